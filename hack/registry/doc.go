// Command registry starts, stops and inspects the local OCI registry that
// test/e2e and hack/demo.sh push charts to: Debian's docker-registry
// (distribution 2.8) serving HTTPS on 127.0.0.1 with a test CA and htpasswd
// authentication. hack/registry.sh installs the package and runs it:
//
//	hack/registry.sh up|down|status
//
// up writes everything under .registry/ at the repository root: the CA and
// server certificate (pki/), the htpasswd file with one bcrypt user, the
// registry's config.yml, its storage (data/), log, PID file, and env, the
// connection details for tests as shell assignments:
//
//	BERTH_E2E_REGISTRY=127.0.0.1:PORT
//	BERTH_E2E_REGISTRY_USER=...
//	BERTH_E2E_REGISTRY_PASSWORD=...
//	BERTH_E2E_REGISTRY_CA=/abs/path/.registry/pki/ca.crt
//
// down stops exactly the recorded process and deletes .registry/.
package main
