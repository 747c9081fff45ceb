// Runs Seam's own fake server for tests/fake_seam, seeded with one lock.
// Start with `node --import ./loopback.mjs serve.mjs`. Prints one JSON line on stdout
// ({"fake_seam": {...}}) once it listens; exits when stdin closes, on SIGTERM/SIGINT, or
// after FAKE_SEAM_MAX_SECONDS (default 120) so a crashed test run cannot leave it behind.
import process from "node:process";

import { createFake } from "@seamapi/fake-seam-connect";

const maxSeconds = Number(process.env.FAKE_SEAM_MAX_SECONDS ?? "120");
const API_KEY = "seam_parqextest1_k3y";

function quit(code) {
  process.exit(code);
}

setTimeout(() => {
  process.stderr.write(`fake seam: hard limit of ${maxSeconds} s reached\n`);
  quit(3);
}, maxSeconds * 1000).unref();
process.on("SIGTERM", () => quit(0));
process.on("SIGINT", () => quit(0));
process.stdin.on("end", () => quit(0));
process.stdin.on("close", () => quit(0));
process.stdin.on("error", () => quit(0));
process.stdin.resume();

const fake = await createFake();
const db = fake.database;
const workspace = db.addWorkspace({ name: "ParqEx tests" });
db.addApiKey({ token: API_KEY, workspace_id: workspace.workspace_id });
const account = db.addConnectedAccount({
  provider: "august",
  workspace_id: workspace.workspace_id,
  user_identifier: { email: "tenant@example.com" },
});
const device = db.addDevice({
  device_type: "august_lock",
  name: "Garage Door Lock",
  display_name: "Garage Door Lock",
  workspace_id: workspace.workspace_id,
  connected_account_id: account.connected_account_id,
  can_remotely_lock: true,
  can_remotely_unlock: true,
  properties: {
    locked: true,
    online: true,
    manufacturer: "august",
    // Real Seam sends both forms of the level; the fake would default `battery` to full.
    battery_level: 0.8,
    battery: { level: 0.8, status: "good" },
  },
});

// Port 0: the kernel picks a free port; the fake's own port probe is skipped.
const server = await fake.startServer({ port: 0 });
const address = server.server.address();
if (address === null || typeof address === "string" || address.address !== "127.0.0.1") {
  process.stderr.write(`fake seam: refusing to run on ${JSON.stringify(address)}\n`);
  quit(2);
}

process.stdout.write(
  JSON.stringify({
    fake_seam: {
      port: address.port,
      api_key: API_KEY,
      device_id: device.device_id,
      workspace_id: workspace.workspace_id,
    },
  }) + "\n",
);
