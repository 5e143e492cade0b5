package preflight

import (
	"github.com/kubeadm-cleanroom/kubeadm/app/apis/kubeadm"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/host"
)

// lastArg is the value of the last extra argument called name, "" when
// there is none: the component is given every occurrence and the last wins.
func lastArg(args []kubeadm.Arg, name string) string {
	for i := len(args) - 1; i >= 0; i-- {
		if args[i].Name == name {
			return args[i].Value
		}
	}
	return ""
}

// ControlPlanePorts are the Port checks of a control-plane node, each on
// the address its component will listen on, so that a port held on another
// address of the node is no conflict: the API server's port on its
// bind-address, the scheduler's and the controller manager's on theirs (all
// addresses when none is set), and with a local etcd its client and peer
// ports on the address etcd advertises, the API server's advertise-address
// argument if given, else the node's advertise address. The kubelet's port
// is not one of them: every node checks it on all addresses.
func ControlPlanePorts(h host.Host, cluster *kubeadm.ClusterConfiguration, local kubeadm.APIEndpoint) []Check {
	checks := []Check{
		Port(h, lastArg(cluster.APIServer.ExtraArgs, "bind-address"), int(local.BindPort)),
		Port(h, lastArg(cluster.Scheduler.ExtraArgs, "bind-address"), constants.KubeSchedulerPort),
		Port(h, lastArg(cluster.ControllerManager.ExtraArgs, "bind-address"), constants.KubeControllerManagerPort),
	}
	if cluster.Etcd.Local != nil {
		etcdAddress := local.AdvertiseAddress
		if a := lastArg(cluster.APIServer.ExtraArgs, "advertise-address"); a != "" {
			etcdAddress = a
		}
		checks = append(checks,
			Port(h, etcdAddress, constants.EtcdListenClientPort),
			Port(h, etcdAddress, constants.EtcdListenPeerPort))
	}
	return checks
}
