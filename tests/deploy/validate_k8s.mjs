// Checks Kubernetes manifests against the API schemas of the npm package
// kubernetes-models; with --convoy, also facts about deploy/k8s that the
// server depends on and a schema cannot express. No cluster is needed.
//
//   node validate_k8s.mjs --modules DIR [--convoy] [--expect-image IMAGE] FILE
//
// FILE is multi-document YAML (`kubectl kustomize` output). DIR is where
// kubernetes-models and yaml are installed (DIR/node_modules); they are
// loaded from there because ES module imports ignore NODE_PATH. Prints
// "ok Kind/name" per object and per fact; at the first failure prints the
// reason and exits 1 (2 for a bad command line).
//
// The schemas check types and required fields. They reject neither unknown
// fields (a misspelt field passes) nor most bad values (the OpenAPI spec
// lists few enums: an HPA target `type: Percent` passes); an API server would.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

function fail(message) {
  console.error(`FAIL ${message}`);
  process.exit(1);
}

function usage(message) {
  console.error(`validate_k8s: ${message}\n` +
      "usage: node validate_k8s.mjs --modules DIR [--convoy] [--expect-image IMAGE] FILE");
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      modules: { type: "string" },
      convoy: { type: "boolean", default: false },
      "expect-image": { type: "string" },
    },
    allowPositionals: true,
  });
} catch (e) {
  usage(e.message);
}
if (!args.values.modules) usage("--modules is required");
if (args.positionals.length !== 1) usage("expected one FILE");

const require = createRequire(resolve(args.values.modules) + "/");
const YAML = require("yaml");

// Top-level kinds only: kubernetes-models also has modules for nested types
// (apps/v1/DeploymentSpec), whose classes carry no apiVersion/kind.
function modelClass(apiVersion, kind, where) {
  const unknown = () => fail(`${where}: ${apiVersion} ${kind} is a kind unknown to kubernetes-models`);
  if (!/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) unknown();
  let module;
  try {
    module = require(`kubernetes-models/${apiVersion}/${kind}`);
  } catch (e) {
    if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED") unknown();
    throw e;
  }
  const cls = module[kind];
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind) unknown();
  return cls;
}

function validateAll(text) {
  const objects = [];
  YAML.parseAllDocuments(text).forEach((doc, i) => {
    const where = `document ${i + 1}`;
    if (doc.errors.length > 0) fail(`${where}: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj === null) return;  // An empty document, e.g. after a trailing `---`.
    if (typeof obj !== "object" || Array.isArray(obj)) fail(`${where}: not a mapping`);
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
      fail(`${where}: apiVersion and kind must be strings`);
    }
    const name = obj.metadata?.name;
    if (typeof name !== "string" || name === "") fail(`${where}: ${kind} has no metadata.name`);
    const cls = modelClass(apiVersion, kind, `${where} (${kind}/${name})`);
    try {
      new cls(obj).validate();
    } catch (e) {
      fail(`${kind}/${name}: ${e.message}`);
    }
    console.log(`ok ${kind}/${name}`);
    objects.push(obj);
  });
  if (objects.length === 0) fail("no objects");
  return objects;
}

// Value of --flag=V or --flag V in a container's args; dashes or underscores.
function flagValue(argv, flag) {
  const names = [flag, flag.replaceAll("-", "_")].map((f) => `--${f}`);
  for (let i = 0; i < argv.length; i++) {
    for (const name of names) {
      if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
      if (argv[i] === name && i + 1 < argv.length) return argv[i + 1];
    }
  }
  return undefined;
}

// An empty selector selects no pods for a Service and all for a PDB: neither is meant here.
function selects(selector, labels) {
  const pairs = Object.entries(selector);
  return pairs.length > 0 && pairs.every(([k, v]) => labels[k] === v);
}

function convoyChecks(objects, expectImage) {
  const find = (kind, name) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name) ?? fail(`no ${kind}/${name}`);
  const check = (subject, ok, fact) => {
    if (!ok) fail(`${subject}: expected ${fact}`);
    console.log(`ok ${subject}: ${fact}`);
  };
  const deployment = find("Deployment", "convoy");
  const pod = deployment.spec.template.spec;
  const labels = deployment.spec.template.metadata?.labels ?? {};
  const c = pod.containers.find((x) => x.name === "convoy") ?? fail("Deployment/convoy: no container convoy");
  const subject = "Deployment/convoy";
  const argv = (c.args ?? []).map(String);

  const exitTimeout = Number(flagValue(argv, "exit-timeout-secs") ?? 30);  // The server's default.
  if (!Number.isInteger(exitTimeout)) fail(`${subject}: --exit-timeout-secs is not an integer`);
  const preStop = c.lifecycle?.preStop;
  let preStopSecs = preStop?.sleep?.seconds ?? 0;
  const command = preStop?.exec?.command ?? [];
  if (command.length === 2 && /(^|\/)sleep$/.test(command[0])) preStopSecs = Number(command[1]);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  check(subject, grace > preStopSecs + exitTimeout,
        `terminationGracePeriodSeconds (${grace}) > preStop sleep (${preStopSecs}) + ` +
        `--exit-timeout-secs (${exitTimeout})`);

  const ready = c.readinessProbe?.grpc;
  check(subject, ready?.port === 8001 && !ready.service,
        'readinessProbe is gRPC health service "" on port 8001');
  const alive = c.livenessProbe?.grpc;
  check(subject, alive?.port === 8001 && alive.service === "convoy/liveness",
        'livenessProbe is gRPC health service "convoy/liveness" on port 8001 (alive while models load)');
  check(subject, (c.ports ?? []).some((p) => p.containerPort === 8001 && p.name === "grpc"),
        "container port 8001 is named grpc");

  const sc = c.securityContext ?? {};
  const podSc = pod.securityContext ?? {};
  check(subject, (sc.runAsNonRoot ?? podSc.runAsNonRoot) === true, "runAsNonRoot");
  check(subject, (sc.runAsUser ?? podSc.runAsUser) === 10001, "runAsUser 10001 (the image's convoy user)");
  check(subject, sc.readOnlyRootFilesystem === true && sc.allowPrivilegeEscalation === false,
        "read-only root filesystem, no privilege escalation");

  const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e]));
  check(subject, env.CONVOY_THREADS?.valueFrom?.resourceFieldRef?.resource === "limits.cpu" &&
                 env.OMP_NUM_THREADS?.value === "$(CONVOY_THREADS)" &&
                 flagValue(argv, "engine-threads") === "$(CONVOY_THREADS)",
        "OMP_NUM_THREADS and --engine-threads both follow limits.cpu");
  const { requests = {}, limits = {} } = c.resources ?? {};
  check(subject, ["cpu", "memory"].every((r) => limits[r] !== undefined &&
                                               String(requests[r] ?? limits[r]) === String(limits[r])),
        "requests == limits for cpu and memory (Guaranteed QoS)");

  if (expectImage !== undefined) check(subject, c.image === expectImage, `image ${expectImage}`);

  const portNames = new Set((c.ports ?? []).map((p) => p.name));
  for (const svc of objects.filter((o) => o.kind === "Service")) {
    const s = `Service/${svc.metadata.name}`;
    check(s, svc.spec.selector !== undefined && selects(svc.spec.selector, labels), "selects the convoy pods");
    check(s, svc.spec.ports.every((p) => typeof p.targetPort !== "string" || portNames.has(p.targetPort)),
          "target ports are named container ports");
  }
  for (const pdb of objects.filter((o) => o.kind === "PodDisruptionBudget")) {
    const selector = pdb.spec.selector?.matchLabels;
    check(`PodDisruptionBudget/${pdb.metadata.name}`, selector !== undefined && selects(selector, labels),
          "selects the convoy pods");
  }
  for (const hpa of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
    const ref = hpa.spec.scaleTargetRef;
    check(`HorizontalPodAutoscaler/${hpa.metadata.name}`,
          ref.kind === "Deployment" && ref.name === "convoy", "scales Deployment/convoy");
  }
}

const objects = validateAll(readFileSync(args.positionals[0], "utf8"));
if (args.values.convoy) convoyChecks(objects, args.values["expect-image"]);
