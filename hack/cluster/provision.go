//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// provisionResync re-examines every claim and volume now and then, in case
// an event was handled while an API call failed for good.
const provisionResync = 5 * time.Minute

// workItem is a claim (namespace/name) or a volume (name) to examine.
type workItem struct {
	volume          bool
	namespace, name string
}

// provisioner binds the claims of StorageClasses whose provisioner is
// provisionerName to hostPath PersistentVolumes in directories under dir,
// and deletes those volumes, directory and object, once their claims go.
// It acts on informer events, never by polling.
type provisioner struct {
	client  kubernetes.Interface
	dir     string
	log     *log.Logger
	claims  corelisters.PersistentVolumeClaimLister
	volumes corelisters.PersistentVolumeLister
	classes storagelisters.StorageClassLister
	queue   workqueue.TypedRateLimitingInterface[workItem]
	synced  []cache.InformerSynced
}

// newProvisioner sets up the informers of claims, volumes and classes.
func newProvisioner(client kubernetes.Interface, dir string, logger *log.Logger) (*provisioner, informers.SharedInformerFactory, error) {
	factory := informers.NewSharedInformerFactory(client, provisionResync)
	claims := factory.Core().V1().PersistentVolumeClaims()
	volumes := factory.Core().V1().PersistentVolumes()
	classes := factory.Storage().V1().StorageClasses()
	p := &provisioner{
		client: client, dir: dir, log: logger,
		claims: claims.Lister(), volumes: volumes.Lister(), classes: classes.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(workqueue.DefaultTypedControllerRateLimiter[workItem](),
			workqueue.TypedRateLimitingQueueConfig[workItem]{Name: "provisioner"}),
		synced: []cache.InformerSynced{claims.Informer().HasSynced, volumes.Informer().HasSynced, classes.Informer().HasSynced},
	}
	handlers := []struct {
		informer cache.SharedIndexInformer
		funcs    cache.ResourceEventHandlerFuncs
	}{
		{claims.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: p.claimChanged, UpdateFunc: func(_, obj any) { p.claimChanged(obj) }, DeleteFunc: p.claimDeleted,
		}},
		{volumes.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: p.volumeChanged, UpdateFunc: func(_, obj any) { p.volumeChanged(obj) },
		}},
		{classes.Informer(), cache.ResourceEventHandlerFuncs{
			AddFunc: p.classChanged, UpdateFunc: func(_, obj any) { p.classChanged(obj) },
		}},
	}
	for _, h := range handlers {
		if _, err := h.informer.AddEventHandler(h.funcs); err != nil {
			return nil, nil, fmt.Errorf("watch: %w", err)
		}
	}
	return p, factory, nil
}

// runProvisioner runs the provisioner until ctx is cancelled.
func runProvisioner(ctx context.Context, client kubernetes.Interface, dir string, logger *log.Logger) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("volume directory: %w", err)
	}
	p, factory, err := newProvisioner(client, dir, logger)
	if err != nil {
		return err
	}
	defer p.queue.ShutDown()
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	if !cache.WaitForCacheSync(ctx.Done(), p.synced...) {
		return fmt.Errorf("list claims, volumes and classes: %w", context.Cause(ctx))
	}
	p.log.Printf("serving StorageClasses of provisioner %s; volumes in %s", provisionerName, dir)
	go func() { <-ctx.Done(); p.queue.ShutDown() }()
	for p.next(ctx) {
	}
	return nil
}

func (p *provisioner) claimChanged(obj any) {
	if claim, ok := obj.(*corev1.PersistentVolumeClaim); ok {
		p.queue.Add(workItem{namespace: claim.Namespace, name: claim.Name})
	}
}

// claimDeleted examines the claim's volume, named after its uid.
func (p *provisioner) claimDeleted(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if claim, ok := obj.(*corev1.PersistentVolumeClaim); ok {
		p.queue.Add(workItem{volume: true, name: volumeName(claim.UID)})
	}
}

func (p *provisioner) volumeChanged(obj any) {
	if pv, ok := obj.(*corev1.PersistentVolume); ok {
		p.queue.Add(workItem{volume: true, name: pv.Name})
	}
}

// classChanged examines every claim again: claims may have waited for
// their class (or a default class) to appear.
func (p *provisioner) classChanged(any) {
	claims, err := p.claims.List(labels.Everything())
	if err != nil {
		p.log.Printf("list claims: %v", err)
		return
	}
	for _, claim := range claims {
		p.claimChanged(claim)
	}
}

// next handles one work item, false once the queue is shut down.
func (p *provisioner) next(ctx context.Context) bool {
	item, shutdown := p.queue.Get()
	if shutdown {
		return false
	}
	defer p.queue.Done(item)
	var err error
	if item.volume {
		err = p.syncVolume(ctx, item.name)
	} else {
		err = p.syncClaim(ctx, item.namespace, item.name)
	}
	if err == nil || ctx.Err() != nil {
		p.queue.Forget(item)
		return true
	}
	p.log.Printf("%v (retrying)", err)
	p.queue.AddRateLimited(item)
	return true
}

// syncClaim provisions a volume for the claim if it is one to provision.
func (p *provisioner) syncClaim(ctx context.Context, namespace, name string) error {
	claim, err := p.claims.PersistentVolumeClaims(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	classes, err := p.classes.List(labels.Everything())
	if err != nil {
		return err
	}
	class, err := claimClass(claim, classes)
	if err != nil {
		// Not retried: the claim's next update brings it back.
		p.log.Printf("PersistentVolumeClaim/%s/%s %v", namespace, name, err)
		return nil
	}
	if class == nil {
		return nil
	}
	return p.provision(ctx, claim, volumeFor(claim, class, p.dir))
}

// provision creates the volume's directory, then the volume.
func (p *provisioner) provision(ctx context.Context, claim *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume) error {
	what := fmt.Sprintf("PersistentVolume/%s for PersistentVolumeClaim/%s/%s", pv.Name, claim.Namespace, claim.Name)
	if _, err := p.volumes.Get(pv.Name); err == nil {
		return nil
	}
	if err := os.MkdirAll(pv.Spec.HostPath.Path, 0o777); err != nil { //nolint:gosec // pods of any user write volumes
		return fmt.Errorf("provision %s: %w", what, err)
	}
	_, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("provision %s: %w", what, err)
	}
	size := pv.Spec.Capacity[corev1.ResourceStorage]
	p.log.Printf("provisioned %s (%s, class %s)", what, size.String(), pv.Spec.StorageClassName)
	return nil
}

// syncVolume deletes the volume, directory first, if it is ours and its
// claim is gone.
func (p *provisioner) syncVolume(ctx context.Context, name string) error {
	pv, err := p.volumes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !volumeToDelete(pv, p.claimUID) {
		return nil
	}
	if dir := volumeDir(pv, p.dir); dir != "" {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("delete PersistentVolume/%s: %w", name, err)
		}
	}
	uid := pv.UID
	err = p.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
	if apierrors.IsNotFound(err) {
		return nil // deleted on an earlier event, before the informer saw it go
	}
	if err != nil {
		return fmt.Errorf("delete PersistentVolume/%s: %w", name, err)
	}
	ref := pv.Spec.ClaimRef
	p.log.Printf("deleted PersistentVolume/%s of PersistentVolumeClaim/%s/%s, which is gone", name, ref.Namespace, ref.Name)
	return nil
}

func (p *provisioner) claimUID(namespace, name string) (types.UID, bool) {
	claim, err := p.claims.PersistentVolumeClaims(namespace).Get(name)
	if err != nil {
		return "", false
	}
	return claim.UID, true
}

// errNoKubeconfig reports a provision run without a cluster.
var errNoKubeconfig = errors.New("no cluster to serve: `hack/cluster.sh up` starts the provisioner")

// provision runs the provisioner of the cluster in the state directory, as
// the process that up starts, logging to stderr (its log file), until
// SIGTERM.
func (c *cluster) provision(ctx context.Context) error {
	if _, err := os.Stat(c.kubeconfig()); err != nil {
		return fmt.Errorf("%w (%w)", errNoKubeconfig, err)
	}
	client, err := c.client()
	if err != nil {
		return err
	}
	return runProvisioner(ctx, client, c.volumesDir(), log.New(c.log, "", log.LstdFlags|log.Lmicroseconds))
}
