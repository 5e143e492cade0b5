// Package config turns a configuration file and command-line overrides
// into the complete, validated configuration a command runs with, in fixed
// stages: decode the file, apply flag overrides, static defaults, dynamic
// defaults (node name, advertise address, CRI socket, bootstrap token), then
// validation that reports every error with its field path.
package config
