// make client-test: the TypeScript client generated from
// openapi/openapi.json (openapi-typescript types, openapi-fetch calls),
// type-checked with tsc --strict, against a running server: an integration
// client's OAuth token submits a referral and lists it; la_admin accepts it
// (If-Match from the read's ETag), reads it back and reads its history,
// whose details are typed fields (no casts, no `any`). Exits non-zero on
// any failure.
import { randomUUID } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/sct.js";

type HistoryEntry = components["schemas"]["HistoryEntry"];
type ReferralStatus = components["schemas"]["ReferralStatus"];

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`failed: ${what}`);
}

const base = env("SCT_BASE");
const urn = env("SCT_URN");

async function main(): Promise<void> {
  const publicApi = createClient<paths>({ baseUrl: base });
  const issued = await publicApi.POST("/api/v1/oauth/token", {
    body: {
      grant_type: "client_credentials",
      client_id: env("SCT_CLIENT_ID"),
      client_secret: env("SCT_CLIENT_SECRET"),
    },
    bodySerializer: (b) => new URLSearchParams(Object.entries(b).map(([k, v]) => [k, String(v)])),
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  check(issued.data !== undefined, `token: ${JSON.stringify(issued.error)}`);
  const tokenType: "Bearer" = issued.data.token_type;
  console.log(`token: ${tokenType}, expires in ${issued.data.expires_in} s`);

  const mis = createClient<paths>({
    baseUrl: base,
    headers: { Authorization: `Bearer ${issued.data.access_token}` },
  });
  const admin = createClient<paths>({
    baseUrl: base,
    headers: { Authorization: `Bearer ${env("SCT_ADMIN_TOKEN")}` },
  });

  // Submit (with an Idempotency-Key, as every create may).
  const external = `TS-CLIENT-${Date.now()}`;
  const submitted = await mis.POST("/api/v1/referrals", {
    params: { header: { "Idempotency-Key": randomUUID() } },
    body: {
      school_urn: urn,
      external_reference: external,
      child: {
        upn: "B801200005001",
        given_name: "Sam",
        family_name: "Example",
        date_of_birth: "2016-03-14",
        year_group: "5",
        sen_provision: "K",
        primary_need: "SEMH",
      },
      indes: [{ area: "social_emotional_mental_health", level: 4 }],
      complicating_factors: ["attendance"],
      consent: { given_by: "parent_carer", given_on: "2026-11-20" },
      reason: "Submitted by the generated TypeScript client",
    },
  });
  check(submitted.data !== undefined, `submit: ${JSON.stringify(submitted.error)}`);
  const referral = submitted.data;
  const status: ReferralStatus = referral.status;
  console.log(`submitted: ${referral.reference} (${referral.id}), status ${status}`);

  // List: the MIS client finds it by its own reference.
  const listed = await mis.GET("/api/v1/referrals", {
    params: { query: { external_reference: external, limit: 10 } },
  });
  check(listed.data !== undefined, `list: ${JSON.stringify(listed.error)}`);
  check(
    listed.data.items.some((r) => r.id === referral.id),
    "the list holds the submitted referral",
  );
  console.log(`listed: ${listed.data.items.length} referral(s) with ${external}`);

  // Accept, with If-Match from the read's ETag (la_admin: every zone, the council's queue too).
  const before = await admin.GET("/api/v1/referrals/{id}", { params: { path: { id: referral.id } } });
  check(before.data !== undefined, `read: ${JSON.stringify(before.error)}`);
  const etag = before.response.headers.get("ETag");
  check(etag !== null, "the read has an ETag");
  const accepted = await admin.POST("/api/v1/referrals/{id}/accept", {
    params: { path: { id: referral.id }, header: { "If-Match": etag } },
    body: { note: "Accepted by the generated TypeScript client" },
  });
  check(accepted.data !== undefined, `accept: ${JSON.stringify(accepted.error)}`);
  check(accepted.data.status === "accepted", `accepted: ${accepted.data.status}`);

  // Read it back.
  const read = await admin.GET("/api/v1/referrals/{id}", { params: { path: { id: referral.id } } });
  check(read.data !== undefined, `read back: ${JSON.stringify(read.error)}`);
  check(read.data.status === "accepted" && read.data.school_urn === urn, "read back accepted");
  console.log(`read back: ${read.data.reference}, status ${read.data.status}`);

  // The history, its details read through typed fields.
  const history = await admin.GET("/api/v1/referrals/{id}/history", {
    params: { path: { id: referral.id } },
  });
  check(history.data !== undefined, `history: ${JSON.stringify(history.error)}`);
  const entries: HistoryEntry[] = history.data.items;
  const submit = entries.find((e) => e.action === "submit");
  const accept = entries.find((e) => e.action === "accept");
  check(submit !== undefined && accept !== undefined, "history has submit and accept");
  // Absent, never null: the submission has no status before.
  check(!("from_status" in submit), "the submission's from_status is absent");
  const routedTo: string | undefined = submit.details.routed_to_team;
  const triage: string | undefined = submit.details.council_triage;
  check(routedTo !== undefined || triage !== undefined, "the submission says where it went");
  const from: ReferralStatus | undefined = accept.from_status;
  check(from === "submitted" && accept.to_status === "accepted", "accept moved submitted to accepted");
  check(accept.actor_role === "la_admin", `accept's actor role: ${accept.actor_role}`);
  console.log(
    `history: ${entries.map((e) => e.action).join(", ")}; submitted ` +
      (routedTo !== undefined ? `to team ${routedTo}` : `to the council's queue (${triage})`),
  );
  console.log("generated TypeScript client: OK");
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
