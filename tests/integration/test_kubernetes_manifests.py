"""Kubernetes manifests: every object of deploy/kubernetes is valid, with no cluster.

tests/kubernetes/validate.mjs checks each object against the Kubernetes
schemas of the npm package kubernetes-models (types, required fields,
formats) and field names against the models' declarations; CloudNativePG's
Cluster and the kustomization against small schemas of our own. The
package is installed once into a cache directory outside the tree. A wrong
type or a misspelt field must fail, naming it.
"""
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MANIFESTS = os.path.join(ROOT, "deploy", "kubernetes")
VALIDATOR = os.path.join(ROOT, "tests", "kubernetes", "validate.mjs")
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "hetao", "kubernetes-models")
PACKAGES = ["kubernetes-models@5.1.0", "js-yaml@4.1.0"]


def install():
    """node and the pinned npm packages, installed when missing."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nodejs", "npm"],
                       check=True, stdout=subprocess.DEVNULL, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    if not os.path.exists(os.path.join(CACHE, "node_modules", "kubernetes-models", "package.json")):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"] + PACKAGES, cwd=CACHE, check=True,
                       timeout=300)


def validate(directory):
    return subprocess.run(["node", VALIDATOR, directory], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, HETAO_K8S_MODELS=CACHE))


class Manifests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        install()

    def broken_copy(self, edits):
        """A copy of the manifests with (file, old, new) text replacements."""
        directory = tempfile.mkdtemp(prefix="hetao-k8s-")
        self.addCleanup(shutil.rmtree, directory, True)
        shutil.copytree(MANIFESTS, directory, dirs_exist_ok=True)
        for name, old, new in edits:
            path = os.path.join(directory, name)
            with open(path) as f:
                text = f.read()
            self.assertIn(old, text)
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
        return directory

    def test_every_manifest_is_valid_against_the_kubernetes_schemas(self):
        result = validate(MANIFESTS)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn(" 0 errors", result.stdout)

    def test_kustomization_lists_every_manifest_of_the_directory(self):
        import re
        with open(os.path.join(MANIFESTS, "kustomization.yaml")) as f:
            listed = set(re.findall(r"^  - (\S+\.yaml)$", f.read(), re.M))
        present = {n for n in os.listdir(MANIFESTS) if n.endswith(".yaml") and n != "kustomization.yaml"}
        self.assertEqual(listed, present)

    def test_a_wrong_type_or_a_misspelt_field_fails_naming_it(self):
        directory = self.broken_copy([
            ("registry.yaml", "  replicas: 2", '  replicas: "two"'),
            ("registry.yaml", "          readinessProbe:", "          readinesProbe:"),
            ("registry.yaml", "  minAvailable: 1", "  minAvailable: [1]"),
            ("postgres-cluster.yaml", "  instances: 3", "  instance: 3"),
            ("postgres-cluster.yaml", "    size: 20Gi", "    size: 20"),
        ])
        result = validate(directory)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        for expected in ("spec/replicas must be integer", 'unknown field "readinesProbe"', "minAvailable",
                         'unknown field "instance"', "spec.storage.size: must be string"):
            self.assertIn(expected, result.stdout)

    def test_the_dashboard_has_its_key_only_a_claim_for_its_tokens_and_trusts_no_loopback(self):
        import yaml
        with open(os.path.join(MANIFESTS, "dashboard.yaml")) as f:
            objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(f) if o}
        self.assertEqual(set(objects), {("PersistentVolumeClaim", "dashboard-tokens"), ("Deployment", "dashboard"),
                                        ("Service", "dashboard")})
        deployment = objects[("Deployment", "dashboard")]["spec"]
        # One pod at a time on the ReadWriteOnce claim.
        self.assertEqual(deployment["replicas"], 1)
        self.assertEqual(deployment["strategy"]["type"], "Recreate")
        self.assertEqual(objects[("PersistentVolumeClaim", "dashboard-tokens")]["spec"]["accessModes"],
                         ["ReadWriteOnce"])
        pod = deployment["template"]["spec"]
        container = pod["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod["volumes"]}
        self.assertEqual(container["command"], ["hetao-dashboard"])
        self.assertEqual(env["HETAO_DASHBOARD_TRUST_LOOPBACK"], "false")
        self.assertEqual(env["HETAO_DASHBOARD_LISTEN"], "0.0.0.0:7480")
        # The tokens file is on the claim, the keys read-only and only its own.
        self.assertEqual(os.path.dirname(env["HETAO_DASHBOARD_TOKENS"]), mounts["tokens"])
        self.assertEqual(volumes["tokens"]["persistentVolumeClaim"]["claimName"], "dashboard-tokens")
        items = [i["key"] for i in volumes["keys"]["secret"]["items"]]
        self.assertEqual(sorted(items), ["dashboard.key", "dashboard.key_secret", "reporting.key"])
        self.assertEqual(env["HETAO_CURVE_CERT"], mounts["keys"] + "/dashboard.key")
        self.assertEqual(env["HETAO_REPORTING_SERVER_KEY"], mounts["keys"] + "/reporting.key")
        self.assertEqual(env["HETAO_REPORTING_ENDPOINT"], "tcp://reporting:7401")
        self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/healthz")
        self.assertTrue(container["securityContext"]["readOnlyRootFilesystem"])
        service = objects[("Service", "dashboard")]["spec"]
        self.assertEqual(service["ports"][0]["port"], 7480)
        # The key pair is in the Secret the kustomization makes.
        with open(os.path.join(MANIFESTS, "kustomization.yaml")) as f:
            kustomization = yaml.safe_load(f)
        files = [f for g in kustomization["secretGenerator"] if g["name"] == "hetao-keys" for f in g["files"]]
        self.assertIn("keys/dashboard.key", files)
        self.assertIn("keys/dashboard.key_secret", files)

    def test_a_misspelt_field_of_the_dashboard_fails_naming_it(self):
        directory = self.broken_copy([
            ("dashboard.yaml", "            claimName: dashboard-tokens", "            claimNam: dashboard-tokens"),
            ("dashboard.yaml", "    requests: { storage: 64Mi }", "    requests: { storage: [64] }"),
        ])
        result = validate(directory)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn('unknown field "claimNam"', result.stdout)
        self.assertIn("dashboard.yaml", result.stdout)
        self.assertIn("storage", result.stdout)


if __name__ == "__main__":
    unittest.main()
