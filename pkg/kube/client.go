package kube

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// DefaultConcurrency is how many objects of one stage Apply, Prune and
// Delete handle at once when their options do not say.
const DefaultConcurrency = 8

// Client rate limits: client-go's defaults (5 QPS, burst 10) would
// serialise a parallel apply, which costs two requests per object (read,
// apply); at 100 QPS a 1000-object install spent 18 of its 19 seconds
// waiting for the limiter. Concurrency bounds the requests in flight, and
// the API server's priority and fairness protects it from more.
const (
	minQPS   = 1000
	minBurst = 2000
)

// Client applies, prunes and deletes objects on one cluster with the
// dynamic client. Its RESTMapper reads discovery lazily, caches it in memory
// and is reset after CRDs are applied, so custom resources of the same run
// resolve. A Client is safe for concurrent use.
type Client struct {
	dynamic dynamic.Interface
	// typed reads what the dynamic client cannot: pod logs.
	typed kubernetes.Interface
	// metadata lists objects without their content (Apply's preflight).
	metadata metadata.Interface
	// discovery is cached in memory and shared with mapper.
	discovery discovery.CachedDiscoveryInterface
	mapper    *restmapper.DeferredDiscoveryRESTMapper
}

// New returns a Client for the cluster of cfg. It raises cfg's rate limits
// (on a copy) to at least 100 QPS and a burst of 200, unless rate limiting
// is disabled (negative QPS) or cfg brings its own RateLimiter.
func New(cfg *rest.Config) (*Client, error) {
	cfg = rest.CopyConfig(cfg)
	raiseRateLimits(cfg)
	disc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create discovery client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create dynamic client: %w", err)
	}
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create typed client: %w", err)
	}
	md, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create metadata client: %w", err)
	}
	cached := memory.NewMemCacheClient(disc)
	return &Client{
		dynamic:   dyn,
		typed:     typed,
		metadata:  md,
		discovery: cached,
		mapper:    restmapper.NewDeferredDiscoveryRESTMapper(cached),
	}, nil
}

// RaisedRateLimits returns a copy of cfg with kube.New's rate limits, for
// the other clients of one berth command (release records, locks): at
// client-go's default 5 requests a second, an operation on many records
// waits on its own rate limiter. The API server's priority and fairness
// protects it.
func RaisedRateLimits(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	raiseRateLimits(cfg)
	return cfg
}

// raiseRateLimits raises cfg's QPS and burst to the minimums, leaving
// higher values and disabled rate limiting (negative QPS) alone.
func raiseRateLimits(cfg *rest.Config) {
	if cfg.QPS >= 0 && cfg.QPS < minQPS {
		cfg.QPS = minQPS
	}
	if cfg.Burst < minBurst {
		cfg.Burst = minBurst
	}
}

// NewForGetter returns a Client for the cluster that getter (kubectl's
// connection flags) selects.
func NewForGetter(getter genericclioptions.RESTClientGetter) (*Client, error) {
	cfg, err := getter.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	return New(cfg)
}

// RESTMapper returns the client's RESTMapper, for callers that need to
// resolve kinds the same way Apply does.
func (c *Client) RESTMapper() meta.RESTMapper { return c.mapper }

// ResetMapper forgets the cached discovery, so kinds added since (by CRDs
// applied outside this client) resolve.
func (c *Client) ResetMapper() { c.mapper.Reset() }

// mapping resolves ref's kind: with its version when it has one, else the
// preferred version.
func (c *Client) mapping(ref ObjectRef) (*meta.RESTMapping, error) {
	if ref.Version == "" {
		return c.mapper.RESTMapping(ref.GroupKind())
	}
	return c.mapper.RESTMapping(ref.GroupKind(), ref.Version)
}

// anyMapping resolves ref's kind in its version if the server still
// serves it, else in the preferred one: deleting an object needs only its
// resource, and objects are reachable in every served version.
func (c *Client) anyMapping(ref ObjectRef) (*meta.RESTMapping, error) {
	mapping, err := c.mapping(ref)
	if meta.IsNoMatchError(err) && ref.Version != "" {
		return c.mapper.RESTMapping(ref.GroupKind())
	}
	return mapping, err
}

// resource returns the dynamic client for objects of mapping in namespace.
func (c *Client) resource(mapping *meta.RESTMapping, namespace string) dynamic.ResourceInterface {
	if namespaced(mapping) {
		return c.dynamic.Resource(mapping.Resource).Namespace(namespace)
	}
	return c.dynamic.Resource(mapping.Resource)
}

func namespaced(mapping *meta.RESTMapping) bool {
	return mapping.Scope.Name() == meta.RESTScopeNameNamespace
}
