"""The deployment files in deploy/: they parse, they wire health checks, graceful stops and
secrets the way deploy/README.md says, and every keel.yaml in them passes `keel check`.
No keel needs to run; the `keel check` tests skip when the binary has not been built."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose"
KUBE = DEPLOY / "kubernetes"
KEEL = Path(os.environ.get("KEEL_BINARY", str(ROOT / ".build" / "debug" / "keel")))

# ${NAME}, ${NAME:-default}, ${NAME:?message}: keel.yaml's and compose's interpolation.
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-?])[^}]*)?\}")


def load(path):
    return yaml.safe_load(path.read_text())


def load_all(path):
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def strings(node):
    """Every string value (and key) of a parsed YAML document: comments are not read."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, str):
        yield node


def variables(yaml_text, required_only=False):
    """The ${NAME}s a YAML text's values name; with required_only, not those with a `:-default`."""
    return {
        match.group(1)
        for value in strings(yaml.safe_load(yaml_text))
        for match in VARIABLE.finditer(value)
        if not required_only or match.group(2) != "-"
    }


def required_variables(yaml_text):
    return variables(yaml_text, required_only=True)


def env_file_names(path):
    return {line.split("=", 1)[0].strip() for line in path.read_text().splitlines() if "=" in line and not line.lstrip().startswith("#")}


def seconds(duration):
    """A compose duration ("30s", "1m30s", "500ms") in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", str(duration))
    assert parts and "".join(n + u for n, u in parts) == str(duration), f"not a duration: {duration!r}"
    return sum(float(n) * units[u] for n, u in parts)


# --- every YAML file ------------------------------------------------------------------


def yaml_files():
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def test_deploy_folder_has_the_expected_files():
    for name in [
        "Containerfile", "Containerfile.dockerignore", "keel-healthcheck", "keel.service", "README.md",
        "compose/compose.yaml", "compose/keel.yaml", "compose/nginx.conf", "compose/.env.example",
        "kubernetes/kustomization.yaml", "kubernetes/configmap.yaml", "kubernetes/secret.example.yaml",
        "kubernetes/postgres.yaml", "kubernetes/keel.yaml", "kubernetes/service.yaml",
    ]:
        assert (DEPLOY / name).is_file(), f"deploy/{name} is missing"


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path):
    docs = load_all(path)
    assert docs, f"{path} holds no document"
    for doc in docs:
        assert isinstance(doc, dict), f"{path}: a document is not a mapping"


# --- the container image --------------------------------------------------------------


def instructions(path):
    """(INSTRUCTION, arguments) of a Containerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_containerfile_is_multi_stage_non_root_with_a_health_check():
    steps = instructions(DEPLOY / "Containerfile")
    names = [word for word, _ in steps]
    assert names.count("FROM") >= 2, "a build stage and a runtime stage"
    assert any("swift build" in args and "--static-swift-stdlib" in args and "--product keel" in args for word, args in steps if word == "RUN")

    users = [args for word, args in steps if word == "USER"]
    assert users, "no USER: the image would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"the last USER is {users[-1]}"
    # The last stage is the runtime: its USER comes after its FROM.
    last_from = max(i for i, (word, _) in enumerate(steps) if word == "FROM")
    assert any(word == "USER" for word, _ in steps[last_from:]), "the runtime stage sets no USER"

    checks = [args for word, args in steps if word == "HEALTHCHECK"]
    assert checks and "/healthz" in checks[-1]
    assert any(word == "EXPOSE" and "8080" in args.split() for word, args in steps)
    assert ("ENTRYPOINT", '["keel"]') in steps
    assert any(word == "CMD" and "/etc/keel/keel.yaml" in args for word, args in steps)
    assert any(word == "WORKDIR" and args == "/var/lib/keel" for word, args in steps[last_from:])
    # The resource bundles must go beside the binary, or Bundle.module fails at run time.
    assert any(word == "RUN" and ".resources" in args for word, args in steps)


def test_containerfile_copies_what_the_manifest_needs_and_the_ignore_file_keeps_it():
    steps = instructions(DEPLOY / "Containerfile")
    copied = set()
    for word, args in steps:
        if word == "COPY" and "--from=" not in args:
            sources = [a for a in args.split() if not a.startswith("--")][:-1]
            copied.update(s.rstrip("/").removeprefix("./") for s in sources)
    for source in copied:
        if "*" not in source:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"

    # Every folder the manifest names a target in must be copied, or the manifest fails to load.
    manifest = (ROOT / "Package.swift").read_text()
    folders = {"Sources"} | {p.split("/")[0] for p in re.findall(r'path:\s*"([^"]+)"', manifest)}
    if re.search(r"\.testTarget\(", manifest):
        folders.add("Tests")
    assert folders <= copied, f"not copied into the build stage: {sorted(folders - copied)}"

    ignore = (DEPLOY / "Containerfile.dockerignore").read_text().splitlines()
    kept = {line[1:].strip().rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore, "the ignore file should leave everything out but what is copied"
    for source in copied:
        assert source.rstrip("*") in kept or source in kept, f"{source} is copied but left out of the context"
    assert "**/.build" in ignore


def test_health_check_script_is_valid_bash_and_executable():
    script = DEPLOY / "keel-healthcheck"
    assert os.access(script, os.X_OK), "deploy/keel-healthcheck must be executable"
    assert script.read_text().startswith("#!/bin/bash")
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_health_check_script_fails_when_nothing_listens():
    # A port nobody listens on: connection refused, exit status 1, at once.
    env = dict(os.environ, KEEL_HEALTHCHECK_PORT="1", KEEL_HEALTHCHECK_TIMEOUT="1")
    done = subprocess.run([str(DEPLOY / "keel-healthcheck")], capture_output=True, text=True, env=env, timeout=20)
    assert done.returncode == 1
    assert "cannot connect" in done.stderr


# --- compose --------------------------------------------------------------------------


def compose():
    return load(COMPOSE / "compose.yaml")


def keel_services(doc):
    """The services built from deploy/Containerfile."""
    return {
        name: service
        for name, service in doc["services"].items()
        if isinstance(service.get("build"), dict) and service["build"].get("dockerfile", "").endswith("Containerfile")
    }


def test_compose_runs_two_keel_replicas_after_a_healthy_postgres():
    doc = compose()
    services = keel_services(doc)
    assert sorted(services) == ["keel-1", "keel-2"]
    compose_keel_yaml = load(COMPOSE / "keel.yaml")
    grace_ms = compose_keel_yaml["server"].get("shutdown_grace_ms", 30000)
    for name, service in services.items():
        build = service["build"]
        assert (COMPOSE / build["context"]).resolve() == ROOT, f"{name}: the build context must be the repository root"
        assert (COMPOSE / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Containerfile"

        assert service["depends_on"]["postgres"]["condition"] == "service_healthy", name

        test = service["healthcheck"]["test"]
        assert "/healthz" in (" ".join(test) if isinstance(test, list) else test), f"{name}: health check is not on /healthz"

        mounts = [m if isinstance(m, str) else f"{m['source']}:{m['target']}" for m in service["volumes"]]
        config = [m for m in mounts if ":/etc/keel/keel.yaml" in m]
        assert config and config[0].endswith(":ro"), f"{name}: keel.yaml must be mounted read-only at /etc/keel/keel.yaml"
        assert (COMPOSE / config[0].split(":")[0]).resolve() == COMPOSE / "keel.yaml"

        # Compose must wait longer than keel drains, or it kills keel before the traces are written.
        assert seconds(service["stop_grace_period"]) * 1000 > grace_ms, f"{name}: stop_grace_period <= server.shutdown_grace_ms"
        assert service.get("env_file") in (".env", [".env"]) or "environment" in service

    postgres = doc["services"]["postgres"]
    assert postgres["image"] == "postgres:15"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in doc["volumes"], "postgres data must be on a named volume"

    nginx = doc["services"]["nginx"]
    assert any(str(port).endswith(":8080") for port in nginx["ports"])
    for name in services:
        assert nginx["depends_on"][name]["condition"] == "service_healthy"


def test_compose_env_example_names_every_variable():
    names = env_file_names(COMPOSE / ".env.example")
    needed = required_variables((COMPOSE / "keel.yaml").read_text()) | required_variables((COMPOSE / "compose.yaml").read_text())
    assert needed, "expected ${...} references"
    assert needed <= names, f".env.example lacks {sorted(needed - names)}"


def nginx_upstreams(text):
    """{upstream name: [server addresses]} of an nginx.conf."""
    text = re.sub(r"#[^\n]*", "", text)
    upstreams = {}
    for match in re.finditer(r"upstream\s+(\S+)\s*\{(.*?)\}", text, re.S):
        upstreams[match.group(1)] = re.findall(r"^\s*server\s+(\S+)", match.group(2), re.M)
    return upstreams


def test_nginx_balances_exactly_the_keel_services():
    text = (COMPOSE / "nginx.conf").read_text()
    upstreams = nginx_upstreams(text)
    assert len(upstreams) == 1
    (name, servers), = upstreams.items()
    assert sorted(s.rsplit(":", 1)[0] for s in servers) == sorted(keel_services(compose()))
    assert all(s.endswith(":8080") for s in servers)

    code = re.sub(r"#[^\n]*", "", text)
    assert re.search(rf"proxy_pass\s+http://{re.escape(name)};", code)
    upstream_block = re.search(r"upstream\s+\S+\s*\{(.*?)\}", code, re.S).group(1)
    assert "least_conn;" in upstream_block
    assert re.search(r"keepalive\s+\d+;", upstream_block)
    for directive in ["proxy_buffering off;", "proxy_http_version 1.1;", 'proxy_set_header Connection "";']:
        assert directive in code, directive
    read_timeout = re.search(r"proxy_read_timeout\s+(\d+)s;", code)
    assert read_timeout and int(read_timeout.group(1)) >= 300, "streams need a long proxy_read_timeout"
    next_upstream = re.search(r"proxy_next_upstream\s+([^;]+);", code)
    assert next_upstream, "proxy_next_upstream should be stated"
    # A POST already sent is never sent to the other replica: nginx's default, kept.
    assert "non_idempotent" not in next_upstream.group(1).split()
    listen = re.search(r"listen\s+(\d+);", code)
    assert listen and listen.group(1) == "8080"


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_conf_passes_nginx_t(tmp_path):
    # The names keel-1, keel-2 only resolve on the compose network, and `resolve` needs
    # nginx 1.27.3: test the same file with loopback addresses and without `resolve`.
    text = (COMPOSE / "nginx.conf").read_text()
    for name in keel_services(compose()):
        text = text.replace(f"{name}:8080", "127.0.0.1:8080")
    text = text.replace(" resolve ", " ").replace("/var/log/nginx/", f"{tmp_path}/")
    text = f"pid {tmp_path}/nginx.pid;\n" + text
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    done = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", f"{tmp_path}/"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


# --- Kubernetes -----------------------------------------------------------------------


def kube_objects():
    objects = []
    for path in sorted(KUBE.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects += [(path.name, doc) for doc in load_all(path)]
    return objects


def kube_object(kind, name=None):
    found = [doc for _, doc in kube_objects() if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def configmap_keel_yaml():
    return kube_object("ConfigMap", "keel-config")["data"]["keel.yaml"]


def test_every_kubernetes_object_has_the_basic_fields():
    for filename, doc in kube_objects():
        for key in ("apiVersion", "kind", "metadata"):
            assert key in doc, f"{filename}: {key} missing"
        assert doc["metadata"].get("name"), f"{filename}: metadata.name missing"


def test_kustomization_lists_every_manifest():
    kustomization = load(KUBE / "kustomization.yaml")
    resources = kustomization["resources"]
    manifests = sorted(p.name for p in KUBE.glob("*.yaml") if p.name != "kustomization.yaml" and not p.name.endswith(".example.yaml"))
    assert sorted(resources) == manifests
    assert len(resources) == len(set(resources))
    # The example Secret holds placeholders: `kubectl apply -k` must never install it.
    assert not any(r.endswith(".example.yaml") for r in resources)
    images = {image["name"] for image in kustomization.get("images", [])}
    deployment = kube_object("Deployment", "keel")
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"].split(":")[0] in images


def keel_container(deployment):
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == "keel")


def container_port(container, port):
    """A probe's port (a number or a port name) as a number."""
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p.get("name") == port)


def test_deployment_rolls_safely_and_probes_healthz():
    deployment = kube_object("Deployment", "keel")
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["strategy"]["rollingUpdate"]["maxSurge"] >= 1

    pod = spec["template"]["spec"]
    container = keel_container(deployment)
    for probe in ("readinessProbe", "livenessProbe"):
        http = container[probe]["httpGet"]
        assert http["path"] == "/healthz", probe
        assert container_port(container, http["port"]) == 8080, probe

    # preStop sleeps, then SIGTERM: keel drains for shutdown_grace_ms and writes its traces.
    # All of it must fit in terminationGracePeriodSeconds.
    pre_stop = container["lifecycle"]["preStop"]
    command = pre_stop.get("exec", {}).get("command", [])
    sleep_s = int(command[-1]) if command and command[0] == "sleep" else pre_stop.get("sleep", {}).get("seconds", 0)
    assert sleep_s >= 1, "preStop should wait for the endpoint to be removed"
    grace_ms = yaml.safe_load(configmap_keel_yaml())["server"].get("shutdown_grace_ms", 30000)
    assert pod["terminationGracePeriodSeconds"] > sleep_s + grace_ms / 1000

    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["resources"]["requests"] and container["resources"]["limits"]

    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/var/lib/keel"]]
    assert volumes[mounts["/etc/keel"]]["configMap"]["name"] == "keel-config"
    assert container["args"][-1] == "/etc/keel/keel.yaml"

    secret = kube_object("Secret")
    assert secret["metadata"]["name"] in [e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e]


def test_secret_example_names_every_variable_keel_yaml_needs():
    secret = kube_object("Secret")
    needed = required_variables(configmap_keel_yaml())
    assert needed <= set(secret["stringData"]), f"secret.example.yaml lacks {sorted(needed - set(secret['stringData']))}"


def test_postgres_statefulset_keeps_its_data_and_the_service_reaches_keel():
    statefulset = kube_object("StatefulSet", "postgres")
    assert statefulset["spec"]["replicas"] == 1
    assert statefulset["spec"]["volumeClaimTemplates"], "postgres needs a PersistentVolumeClaim"
    assert statefulset["spec"]["template"]["spec"]["containers"][0]["image"] == "postgres:15"
    kube_object("Service", "postgres")

    service = kube_object("Service", "keel")
    deployment = kube_object("Deployment", "keel")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["type"] == "ClusterIP"
    assert all(labels.get(k) == v for k, v in service["spec"]["selector"].items())
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80
    assert container_port(keel_container(deployment), port["targetPort"]) == 8080


# --- systemd --------------------------------------------------------------------------


def unit(path):
    """{section: {key: [values]}} of a systemd unit file."""
    sections, current = {}, None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
        else:
            key, _, value = line.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_systemd_unit_starts_reloads_and_stops_keel():
    service = unit(DEPLOY / "keel.service")["Service"]
    assert service["Type"] == ["simple"]
    (start,) = service["ExecStart"]
    assert start.split()[0] == "/usr/local/bin/keel" and "serve --config /etc/keel/keel.yaml" in start
    (reload,) = service["ExecReload"]
    assert "-HUP" in reload and "$MAINPID" in reload
    assert service["KillSignal"] == ["SIGTERM"]
    assert int(service["TimeoutStopSec"][0]) >= 30
    assert service["Restart"] == ["on-failure"]
    assert service["User"][0] not in ("root", "0")
    assert "-/etc/keel/keel.env" in service["EnvironmentFile"]
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert "/var/lib/keel" in " ".join(service["ReadWritePaths"])
    assert service["WorkingDirectory"] == ["/var/lib/keel"]
    assert service["StateDirectory"] == ["keel"]
    assert "WantedBy" in unit(DEPLOY / "keel.service")["Install"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_unit_passes_systemd_analyze_verify(tmp_path):
    if not KEEL.exists():
        pytest.skip(f"{KEEL} is not built")
    # verify checks that ExecStart's binary exists: point it at the built one.
    text = (DEPLOY / "keel.service").read_text().replace("/usr/local/bin/keel", str(KEEL))
    (tmp_path / "keel.service").write_text(text)
    done = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "keel.service")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "keel.service" not in done.stderr, done.stderr


# --- every keel.yaml passes `keel check` ----------------------------------------------


def keel_yamls():
    return [("compose/keel.yaml", (COMPOSE / "keel.yaml").read_text()), ("kubernetes/configmap.yaml", configmap_keel_yaml())]


def check_env(text):
    """Stand-in values for every variable the file names (an admin key is 16 characters or more)."""
    env = dict(os.environ)
    for name in variables(text):
        env[name] = "a-stand-in-value-for-" + name.lower().replace("_", "-")
    return env


def keel_check(config, env):
    return subprocess.run([str(KEEL), "check", "--config", str(config)], capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("name,text", keel_yamls(), ids=[n for n, _ in keel_yamls()])
def test_keel_yaml_passes_keel_check_with_a_sqlite_store(name, text, tmp_path):
    if not KEEL.exists():
        pytest.skip(f"{KEEL} is not built")
    config = yaml.safe_load(text)
    assert config["storage"]["url"].startswith("postgres://"), f"{name}: the replicas share a PostgreSQL database"
    # `keel check` of this build may not know PostgreSQL yet: check the rest with SQLite.
    config["storage"]["url"] = "sqlite://:memory:"
    path = tmp_path / "keel.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    done = keel_check(path, check_env(text))
    assert done.returncode == 0, f"{name}: keel check failed:\n{done.stdout}{done.stderr}"
    assert "ok" in done.stdout
    assert config["server"]["host"] == "0.0.0.0" and config["server"]["port"] == 8080


@pytest.mark.parametrize("name,text", keel_yamls(), ids=[n for n, _ in keel_yamls()])
def test_keel_yaml_as_written_fails_keel_check_on_storage_at_most(name, text, tmp_path):
    if not KEEL.exists():
        pytest.skip(f"{KEEL} is not built")
    path = tmp_path / "keel.yaml"
    path.write_text(text)
    env = check_env(text)
    env.pop("POSTGRES_HOST", None)  # its default must apply
    done = keel_check(path, env)
    if done.returncode == 0:
        return
    output = done.stdout + done.stderr
    # A build without the PostgreSQL store refuses the URL, and nothing else: its message
    # shows the URL after ${...} substitution.
    assert "storage.url" in output, f"{name}: keel check failed on more than the store:\n{output}"
    found = re.search(r'found "([^"]+)"', output)
    if found:
        url = found.group(1)
        assert re.fullmatch(r"postgres://[^:@/]+:[^@/]+@postgres:5432/[^?]+\?sslmode=disable", url), url
        assert "${" not in url
