// validate.mjs - every manifest of a Kustomize directory against the Kubernetes schemas
//
//   node validate.mjs DIR      (NODE_PATH-free: run with the models' node_modules as cwd's parent)
//
// Built-in kinds: the npm package kubernetes-models (the Kubernetes OpenAPI
// schemas compiled to validators) checks types, required fields and
// formats; since those schemas allow unknown fields, the field names are
// also checked here against the models' type declarations, as the API
// server's strict field validation does. CloudNativePG's Cluster has no npm
// model: CLUSTER_SPEC below is a schema of our own for the fields we use
// and their types (docs/deployment.md). Exit 0 when every object is valid;
// else 1, with one line per error naming the file, object and field.
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

const dir = process.argv[2];
const models = path.resolve(process.env.HETAO_K8S_MODELS || ".", "node_modules");
const require = createRequire(path.join(models, "x.js"));
const yaml = require("js-yaml");
const errors = [];
const fail = (where, message) => errors.push(`${where}: ${message}`);

// --- field names from the models' declarations -------------------------------
const interfaces = new Map();
function scan(root) {
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
        const file = path.join(root, entry.name);
        if (entry.isDirectory()) scan(file);
        else if (entry.name.endsWith(".d.ts")) {
            const text = fs.readFileSync(file, "utf8");
            for (const m of text.matchAll(/export interface (\w+)[^{]*\{\n([\s\S]*?)\n\}/g)) {
                const props = new Map();
                for (const p of m[2].matchAll(/^    "([^"]+)"\??: (.*?);?$/gm)) props.set(p[1], p[2]);
                interfaces.set(`${file}#${m[1]}`, props);
            }
            //  Types refer to each other by their full names, exported as aliases.
            for (const m of text.matchAll(/export type \{ (\w+) as (IIo\w+)/g))
                interfaces.set(m[2], interfaces.get(`${file}#${m[1]}`));
        }
    }
}
scan(path.join(models, "kubernetes-models"));
scan(path.join(models, "@kubernetes-models", "apimachinery"));

function strict(value, props, where) {
    if (!props || value === null || typeof value !== "object" || Array.isArray(value)) return;
    for (const [key, child] of Object.entries(value)) {
        if (!props.has(key)) { fail(where, `unknown field "${key}"`); continue; }
        const type = props.get(key);
        const array = type.match(/^Array<(\w+)>$/);
        if (array && Array.isArray(child)) child.forEach((c, i) => strict(c, interfaces.get(array[1]), `${where}.${key}[${i}]`));
        else if (interfaces.has(type)) strict(child, interfaces.get(type), `${where}.${key}`);
    }
}

// --- CloudNativePG Cluster: our own schema -------------------------------------
const str = "string", int = "integer", obj = "object", bool = "boolean", list = "array";
const QUANTITIES = { cpu: str, memory: str };
const CLUSTER_SPEC = {
    instances: int, imageName: str, primaryUpdateStrategy: str, minSyncReplicas: int, maxSyncReplicas: int,
    description: str, enableSuperuserAccess: bool,
    postgresql: { parameters: obj, pg_hba: list },
    bootstrap: { initdb: { database: str, owner: str, secret: { name: str }, postInitApplicationSQL: list,
                           postInitSQL: list, encoding: str, localeCollate: str, localeCType: str } },
    storage: { size: str, storageClass: str },
    affinity: { enablePodAntiAffinity: bool, topologyKey: str, podAntiAffinityType: str, nodeSelector: obj,
                tolerations: list },
    resources: { requests: QUANTITIES, limits: QUANTITIES },
    backup: obj, monitoring: obj, superuserSecret: { name: str },
};
function typed(value, schema, where) {
    if (typeof schema === "string") {
        const ok = schema === int ? Number.isInteger(value) : schema === list ? Array.isArray(value)
                 : schema === obj ? value !== null && typeof value === "object" && !Array.isArray(value)
                 : typeof value === schema;
        if (!ok) fail(where, `must be ${schema}`);
        return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) return fail(where, "must be object");
    for (const [key, child] of Object.entries(value)) {
        if (!(key in schema)) fail(where, `unknown field "${key}"`);
        else typed(child, schema[key], `${where}.${key}`);
    }
}
function cluster(doc, where) {
    typed(doc, { apiVersion: str, kind: str, metadata: obj, spec: CLUSTER_SPEC }, where);
    if (!doc.spec || !Number.isInteger(doc.spec.instances) || doc.spec.instances < 1)
        fail(where, "spec.instances: required, at least 1");
    if (!doc.spec?.storage?.size) fail(where, "spec.storage.size: required");
}

// --- Kustomization: our own schema ----------------------------------------------
const KUSTOMIZATION = {
    apiVersion: str, kind: str, namespace: str, namePrefix: str, resources: list, images: list,
    labels: list, commonAnnotations: obj, secretGenerator: list, configMapGenerator: list, patches: list,
};

async function object(doc, where) {
    if (!doc || typeof doc !== "object") return fail(where, "not an object");
    if (!doc.apiVersion || !doc.kind) return fail(where, "apiVersion and kind are required");
    if (!doc.metadata || typeof doc.metadata.name !== "string") fail(where, "metadata.name is required");
    if (doc.apiVersion === "postgresql.cnpg.io/v1" && doc.kind === "Cluster") return cluster(doc, where);
    const group = doc.apiVersion;          // "v1", "apps/v1": the models' folders
    const file = path.join(models, "kubernetes-models", group, `${doc.kind}.d.ts`);
    if (!fs.existsSync(file)) return fail(where, `unknown kind ${doc.apiVersion} ${doc.kind}`);
    const module = await import(path.join(models, "kubernetes-models", group, `${doc.kind}.js`));
    try {
        new module[doc.kind](doc).validate();
    } catch (e) {
        fail(where, e.message.replace(/\s+/g, " "));
    }
    strict(doc, interfaces.get(`${file}#I${doc.kind}`), `${doc.kind}/${doc.metadata?.name}`);
}

const kustomization = yaml.load(fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
typed(kustomization, KUSTOMIZATION, "kustomization.yaml");
let count = 0;
for (const resource of kustomization.resources || []) {
    const file = path.join(dir, resource);
    if (!fs.existsSync(file)) { fail("kustomization.yaml", `resource ${resource} does not exist`); continue; }
    let docs;
    try { docs = yaml.loadAll(fs.readFileSync(file, "utf8")); }
    catch (e) { fail(resource, e.message); continue; }
    for (const [i, doc] of docs.entries()) {
        if (doc === null) continue;
        await object(doc, `${resource}[${i}] ${doc.kind}/${doc.metadata?.name}`);
        count++;
    }
}
for (const generator of kustomization.secretGenerator || []) {
    const data = Object.fromEntries((generator.files || []).map(f => [path.basename(f.split("=")[0]), ""]));
    await object({ apiVersion: "v1", kind: "Secret", metadata: { name: generator.name }, type: generator.type, data },
                 `secretGenerator ${generator.name}`);
    count++;
}
for (const e of errors) console.log(e);
console.log(`${count} objects, ${errors.length} errors`);
process.exit(errors.length ? 1 : 0);
