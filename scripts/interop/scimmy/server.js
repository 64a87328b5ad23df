// A small, typical SCIMMY deployment: scimmy-routers mounted on Express, User
// (with the EnterpriseUser extension) and Group declared, their handlers over
// an in-memory store. scripts/interop.sh runs scimitar against it, so it is a
// fair sample of what SCIMMY users ship: it follows SCIMMY's documented
// handler contract and does not patch around SCIMMY's own behaviour.
//
//   SCIMMY_TOKEN=secret PORT=8080 node server.js
//   -> http://127.0.0.1:8080/scim/v2
import {randomUUID, timingSafeEqual} from "node:crypto";
import express from "express";
import SCIMMYRouters, {SCIMMY} from "scimmy-routers";

const token = process.env.SCIMMY_TOKEN;
const port = Number(process.env.PORT);
if (!token) throw new Error("SCIMMY_TOKEN must be set: every SCIM request needs 'Authorization: Bearer $SCIMMY_TOKEN'");
if (!Number.isInteger(port) || port <= 0) throw new Error("PORT must be set to a TCP port");

// The store. In a real deployment this is a database; what matters here is
// only that records are plain objects keyed by id, as SCIMMY's handlers
// receive and return them.
const users = new Map();
const groups = new Map();

const now = () => new Date().toISOString();
const notFound = (resource) => new SCIMMY.Types.Error(404, null, `Resource ${resource.id} not found`);

// Turns the schema instance SCIMMY hands to ingress into a plain record.
// SCIMMY has already coerced it against the schema and dropped read-only
// attributes (id, meta, groups); schemas is derived again on the way out.
const toRecord = (instance) => {
    const {schemas, meta, id, ...data} = JSON.parse(JSON.stringify(instance));
    return data;
};

// Two records hold the same data, ignoring the id and meta the store adds.
const sameData = (stored, record) => {
    const {id, meta, ...data} = stored;
    return JSON.stringify(data) === JSON.stringify(record);
};

// userNames compare as RFC 7644 §5 asks, after PRECIS preparation: NFKC
// stands in for RFC 8265's width mapping, then case folding and NFC.
const userNameKey = (name) => name.normalize("NFKC").toLowerCase().normalize("NFC");

// Stores a record on create (no resource.id) or replaces it on PUT/PATCH.
// SCIMMY applies PATCH operations itself and calls ingress with the whole
// patched resource, so a replace covers both. Assigning the id and meta
// timestamps, and enforcing uniqueness, is the handler's job.
const write = (store, resource, record, clash) => {
    const existing = resource.id && store.get(resource.id);
    if (resource.id && !existing) throw notFound(resource);
    
    const other = [...store.values()].find(r => r.id !== resource.id && clash(r, record));
    if (other) throw new SCIMMY.Types.Error(409, "uniqueness", "A resource with that name already exists");
    
    // SCIMMY calls ingress even for a PATCH that changes nothing; such a write
    // must not move lastModified (RFC 7644 §3.5.2.1), so it is not a write.
    if (existing && sameData(existing, record)) return existing;

    const id = existing?.id ?? randomUUID();
    const stamp = now();
    const stored = {...record, id, meta: {created: existing?.meta.created ?? stamp, lastModified: stamp}};
    store.set(id, stored);
    return stored;
};

// Egress returns one record, or every record the filter matches. SCIMMY's
// documented pattern (and the scimmy-routers example) filters with
// resource.filter.match(); sorting and startIndex/count paging are then done
// by SCIMMY's ListResponse, which needs the whole matching set to report
// totalResults, so the handler does not page itself.
const read = (store, resource, view = (r) => r) => {
    if (resource.id) {
        const record = store.get(resource.id);
        if (!record) throw notFound(resource);
        return view(record);
    }
    
    const all = [...store.values()].map(view);
    return resource.filter ? resource.filter.match(all) : all;
};

const remove = (store, resource) => {
    if (!store.delete(resource.id)) throw notFound(resource);
};

// Group membership is a relation between the two stores, as it would be in a
// database: a user's groups attribute (read-only, RFC 7643 §4.1.2) is derived
// from it, and deleting a user removes its membership rows.
const withGroups = (user) => {
    const memberOf = [...groups.values()].filter(g => g.members?.some(m => m.value === user.id));
    return memberOf.length ? {...user, groups: memberOf.map(g => ({value: g.id, display: g.displayName, type: "direct"}))} : user;
};

SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    extensions: [{schema: SCIMMY.Schemas.EnterpriseUser, required: false}],
    ingress: (resource, instance) => {
        const record = toRecord(instance);
        // This deployment does not manage credentials (changePassword is not
        // advertised), so it does not keep passwords it is sent.
        delete record.password;
        // userName is caseExact false in RFC 7643 §4.1.1 and must be unique.
        const clash = (a, b) => userNameKey(a.userName) === userNameKey(b.userName);
        return withGroups(write(users, resource, record, clash));
    },
    egress: (resource) => read(users, resource, withGroups),
    degress: (resource) => {
        remove(users, resource);
        for (const group of groups.values()) {
            if (group.members?.some(m => m.value === resource.id)) {
                group.members = group.members.filter(m => m.value !== resource.id);
                group.meta.lastModified = now();
            }
        }
    }
});

SCIMMY.Resources.declare(SCIMMY.Resources.Group, {
    ingress: (resource, instance) => {
        // displayName uniqueness is this deployment's rule (RFC 7643 leaves it
        // to the provider); compared without case, like userName.
        const clash = (a, b) => a.displayName.toLowerCase() === b.displayName.toLowerCase();
        return write(groups, resource, toRecord(instance), clash);
    },
    egress: (resource) => read(groups, resource),
    degress: (resource) => remove(groups, resource)
});

const expected = Buffer.from(`Bearer ${token}`);
const scim = new SCIMMYRouters({
    type: "bearer",
    // scimmy-routers answers 401 with the message of whatever this throws.
    handler: (req) => {
        const given = Buffer.from(req.header("Authorization") ?? "");
        if (given.length !== expected.length || !timingSafeEqual(given, expected))
            throw new Error("Missing or invalid bearer token");
        // No SCIM user stands behind the token, so /Me answers 501.
        return undefined;
    },
    // Absolute meta.location values. The routers' default is a relative path;
    // a deployment sets its public URL here (the routers accept http too).
    baseUri: () => `http://127.0.0.1:${port}`
});

// scimmy-routers' constructor advertises patch, filter, sort and bulk, each of
// which SCIMMY implements (PatchOp, Filter, ListResponse, BulkRequest). Say so
// explicitly here, with SCIMMY's own limits, and say what it does not do:
// SCIMMY has no ETag/meta.version support and this store keeps no passwords.
// filter.maxResults is SCIMMY's default; SCIMMY does not enforce it (a list
// holds 20 resources unless the client asks for another count).
SCIMMY.Config.set({
    patch: true,
    filter: {supported: true, maxResults: 200},
    sort: true,
    bulk: {supported: true, maxOperations: 1000, maxPayloadSize: 1048576},
    etag: false,
    changePassword: false
});

const app = express();
app.use("/scim/v2", scim);
app.listen(port, "127.0.0.1", () => console.log(`SCIMMY server on http://127.0.0.1:${port}/scim/v2`));
