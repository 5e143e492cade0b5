package discovery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"

	"github.com/kubeadm-cleanroom/kubeadm/app/atomicfile"
	"github.com/kubeadm-cleanroom/kubeadm/app/constants"
	"github.com/kubeadm-cleanroom/kubeadm/app/kubeconfig"
)

// File returns the kubeconfig of file discovery, read from a path or from
// an https URL (verified with the system's trusted roots). The kubeconfig
// must name a cluster; CA and credential files it references are embedded
// so the result stands alone. Its API server is then asked for
// kube-public/cluster-info over TLS verified as the kubeconfig says (and
// with its credentials, if any), retrying until timeout: a 403 answer still
// proves the TLS connection, and a CA missing from the file is taken from
// the answer. A zero timeout means constants.DefaultDiscoveryTimeout.
func File(ctx context.Context, pathOrURL string, timeout time.Duration) (*clientcmdapi.Config, error) {
	return fileDiscovery(ctx, pathOrURL, timeout, nil)
}

// fileDiscovery is File with the roots that verify an https URL (nil for
// the system's).
func fileDiscovery(ctx context.Context, pathOrURL string, timeout time.Duration, urlRoots *x509.CertPool) (*clientcmdapi.Config, error) {
	if timeout < 0 {
		return nil, fmt.Errorf("invalid file discovery: the timeout %v must not be negative", timeout)
	}
	if timeout == 0 {
		timeout = constants.DefaultDiscoveryTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cfg, err := loadDiscoveryFile(ctx, pathOrURL, urlRoots)
	if err != nil {
		return nil, err
	}
	return checkFileConfig(ctx, cfg, timeout, min(DefaultRetryInterval, timeout))
}

// loadDiscoveryFile reads the kubeconfig from an https URL or a file.
func loadDiscoveryFile(ctx context.Context, pathOrURL string, roots *x509.CertPool) (*clientcmdapi.Config, error) {
	u, err := url.Parse(pathOrURL)
	switch {
	case err == nil && u.Scheme == "https":
		return fetchDiscoveryFile(ctx, pathOrURL, roots)
	case err == nil && u.Scheme == "http":
		return nil, fmt.Errorf("the discovery file URL %s must use https", pathOrURL)
	}
	cfg, err := clientcmd.LoadFromFile(pathOrURL)
	if err != nil {
		return nil, fmt.Errorf("cannot read the discovery kubeconfig (check --discovery-file): %w", err)
	}
	// Relative file references mean relative to the kubeconfig, as for
	// kubectl.
	if err := clientcmd.ResolveLocalPaths(cfg); err != nil {
		return nil, fmt.Errorf("cannot resolve the file paths in the discovery kubeconfig %s: %w", pathOrURL, err)
	}
	return cfg, nil
}

// fetchDiscoveryFile downloads and decodes a kubeconfig.
func fetchDiscoveryFile(ctx context.Context, rawURL string, roots *x509.CertPool) (*clientcmdapi.Config, error) {
	client := &http.Client{Transport: &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("invalid discovery file URL: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot download the discovery kubeconfig (check the URL and that its server is trusted): %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("downloading the discovery kubeconfig from %s returned HTTP %d %s: check the URL",
			rawURL, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxClusterInfoBytes))
	if err != nil {
		return nil, fmt.Errorf("cannot download the discovery kubeconfig from %s: %w", rawURL, err)
	}
	cfg, err := clientcmd.Load(body)
	if err != nil {
		return nil, fmt.Errorf("the discovery kubeconfig from %s does not parse: %w", rawURL, err)
	}
	return cfg, nil
}

// checkFileConfig validates cfg, embeds the files it references and reads
// cluster-info with it, as File describes.
func checkFileConfig(ctx context.Context, cfg *clientcmdapi.Config, timeout, interval time.Duration) (*clientcmdapi.Config, error) {
	if len(cfg.Clusters) == 0 {
		return nil, errors.New("the discovery kubeconfig defines no cluster: it needs at least the API server URL and CA")
	}
	_, cluster, err := kubeconfig.CurrentCluster(cfg)
	if err != nil {
		return nil, fmt.Errorf("the discovery kubeconfig is malformed: %w", err)
	}
	if err := clientcmd.Validate(*cfg); err != nil {
		return nil, fmt.Errorf("the discovery kubeconfig is invalid: %w", err)
	}
	if err := embedFiles(cfg, cluster); err != nil {
		return nil, err
	}
	restCfg, err := clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("cannot build a client from the discovery kubeconfig: %w", err)
	}
	client, err := rest.HTTPClientFor(restCfg)
	if err != nil {
		return nil, fmt.Errorf("cannot build a client from the discovery kubeconfig: %w", err)
	}
	defer client.CloseIdleConnections()

	var content string
	err = retry(ctx, interval, func(ctx context.Context) error {
		cm, err := getClusterInfo(ctx, client, cluster.Server)
		if se, ok := errors.AsType[*statusError](err); ok && se.code == http.StatusForbidden {
			// TLS worked; the admin just does not publish cluster-info
			// to this user, so keep the file as it is.
			return nil
		}
		if err != nil {
			return err
		}
		content = cm.Data[bootstrapapi.KubeConfigKey]
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("file discovery gave up after %v: %w", timeout, err)
		}
		return nil, fmt.Errorf("file discovery: %w", err)
	}
	syncCA(cluster, content)
	return cfg, nil
}

// syncCA copies the cluster-info CA into cluster when the discovery file
// has none; cluster-info content that does not parse is ignored, since
// the TLS connection was already trusted without it.
func syncCA(cluster *clientcmdapi.Cluster, content string) {
	if len(cluster.CertificateAuthorityData) > 0 || content == "" {
		return
	}
	published, err := clientcmd.Load([]byte(content))
	if err != nil {
		return
	}
	if _, c, err := kubeconfig.CurrentCluster(published); err == nil && len(c.CertificateAuthorityData) > 0 {
		cluster.CertificateAuthorityData = c.CertificateAuthorityData
	}
}

// embedFiles replaces the CA, client certificate, key and token files the
// current cluster and user reference with their content.
func embedFiles(cfg *clientcmdapi.Config, cluster *clientcmdapi.Cluster) error {
	if err := embed(&cluster.CertificateAuthorityData, &cluster.CertificateAuthority, "CA certificate"); err != nil {
		return err
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil || cfg.AuthInfos[ctx.AuthInfo] == nil {
		return nil
	}
	user := cfg.AuthInfos[ctx.AuthInfo]
	if err := embed(&user.ClientCertificateData, &user.ClientCertificate, "client certificate"); err != nil {
		return err
	}
	if err := embed(&user.ClientKeyData, &user.ClientKey, "client key"); err != nil {
		return err
	}
	if user.Token == "" && user.TokenFile != "" {
		b, err := atomicfile.Read(user.TokenFile)
		if err != nil {
			return fmt.Errorf("cannot read the token file of the discovery kubeconfig: %w", err)
		}
		user.Token, user.TokenFile = strings.TrimSpace(string(b)), ""
	}
	return nil
}

// embed moves the content of *file into *data when data is empty.
func embed(data *[]byte, file *string, what string) error {
	if len(*data) > 0 || *file == "" {
		return nil
	}
	b, err := atomicfile.Read(*file)
	if err != nil {
		return fmt.Errorf("cannot read the %s file of the discovery kubeconfig: %w", what, err)
	}
	*data, *file = b, ""
	return nil
}
