package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// dnsCheckCommand resolves a name with the system resolver (a Pod's
// /etc/resolv.conf points at the cluster DNS) and fails unless one of the
// answers is the wanted address.
func dnsCheckCommand(g *globals) *cobra.Command {
	var name, want string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:    "dns-check",
		Short:  "Resolve --name and fail unless --want is among the addresses",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var last error
			for ctx.Err() == nil {
				addrs, err := net.DefaultResolver.LookupHost(ctx, name)
				if err == nil {
					fmt.Fprintf(g.out, "%s: %v\n", name, addrs)
					for _, a := range addrs {
						if a == want {
							return nil
						}
					}
					err = fmt.Errorf("%s resolves to %v, not %s", name, addrs, want)
				}
				last = err
				time.Sleep(time.Second)
			}
			return last
		},
	}
	cmd.Flags().StringVar(&name, "name", "kubernetes.default.svc.cluster.local", "name to resolve")
	cmd.Flags().StringVar(&want, "want", "", "address that must be among the answers")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to keep trying")
	return cmd
}

// serveCommand answers every HTTP request with the host name, for Service
// tests, or with a file's content (--file); over TLS with --tls-cert and
// --tls-key (a discovery file served at an https URL).
func serveCommand(g *globals) *cobra.Command {
	var addr, file, certFile, keyFile string
	cmd := &cobra.Command{
		Use:    "serve",
		Short:  "Serve HTTP(S), answering every request with the host name or --file",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			host, _ := os.Hostname()
			body := []byte(host + "\n")
			if file != "" {
				b, err := os.ReadFile(file)
				if err != nil {
					return err
				}
				body = b
			}
			if (certFile == "") != (keyFile == "") {
				return fmt.Errorf("--tls-cert and --tls-key go together")
			}
			srv := &http.Server{Addr: addr, ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write(body)
			})}
			go func() {
				<-cmd.Context().Done()
				srv.Close()
			}()
			fmt.Fprintf(g.out, "serving on %s\n", addr)
			var err error
			if certFile != "" {
				err = srv.ListenAndServeTLS(certFile, keyFile)
			} else {
				err = srv.ListenAndServe()
			}
			if err != http.ErrServerClosed {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "listen", ":8080", "address to listen on")
	cmd.Flags().StringVar(&file, "file", "", "answer with this file's content instead of the host name")
	cmd.Flags().StringVar(&certFile, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	cmd.Flags().StringVar(&keyFile, "tls-key", "", "the key of --tls-cert (PEM)")
	return cmd
}

// probeCommand requests --url every --interval for ever, printing each
// failure as it happens and a running count every ten requests, so that
// a test reads from the Pod's log whether a workload stayed reachable.
func probeCommand(g *globals) *cobra.Command {
	var url string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:    "probe",
		Short:  "GET --url every --interval and log failures and counts",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			client := &http.Client{Timeout: 2 * time.Second}
			ok, failed := 0, 0
			tick := time.NewTicker(interval)
			defer tick.Stop()
			for {
				resp, err := client.Get(url)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed++
					fmt.Fprintf(g.out, "%s FAIL %v\n", time.Now().UTC().Format(time.RFC3339), err)
				} else {
					ok++
				}
				if (ok+failed)%10 == 0 {
					fmt.Fprintf(g.out, "COUNT ok=%d failed=%d\n", ok, failed)
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-tick.C:
				}
			}
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "URL to request")
	cmd.Flags().DurationVar(&interval, "interval", time.Second, "time between requests")
	return cmd
}
