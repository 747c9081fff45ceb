// Runs Seam's own fake server for tests/fake_seam, seeded with one lock and one thermostat.
// Start with `node --import ./loopback.mjs serve.mjs`. Prints one JSON line on stdout
// ({"fake_seam": {...}}) once it listens; exits when stdin closes, on SIGTERM/SIGINT, or
// after FAKE_SEAM_MAX_SECONDS (default 120) so a crashed test run cannot leave it behind.
import { randomUUID } from "node:crypto";
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
// Seam's ids are UUIDs (the spec says so); the fake would mint "workspace1" and the like.
const workspace = db.addWorkspace({ name: "ParqEx tests", workspace_id: randomUUID() });
db.addApiKey({ token: API_KEY, workspace_id: workspace.workspace_id });
const account = db.addConnectedAccount({
  provider: "august",
  workspace_id: workspace.workspace_id,
  connected_account_id: randomUUID(),
  user_identifier: { email: "tenant@example.com" },
});
const device = db.addDevice({
  device_id: randomUUID(),
  device_type: "august_lock",
  name: "Garage Door Lock",
  display_name: "Garage Door Lock",
  workspace_id: workspace.workspace_id,
  connected_account_id: account.connected_account_id,
  can_remotely_lock: true,
  can_remotely_unlock: true,
  can_program_online_access_codes: true,
  properties: {
    locked: true,
    online: true,
    manufacturer: "august",
    // Real Seam sends both forms of the level; the fake would default `battery` to full.
    battery_level: 0.8,
    battery: { level: 0.8, status: "good" },
  },
});

// The fake's thermostat routes find nest_thermostat and ecobee_thermostat devices only, refuse
// a mode the device lacks (`is_heating_available`, `is_cooling_available`), and keep heat_cool
// set points apart by `min_heating_cooling_delta_celsius`.
const ecobee = db.addConnectedAccount({
  provider: "ecobee",
  workspace_id: workspace.workspace_id,
  connected_account_id: randomUUID(),
  user_identifier: { email: "tenant@example.com" },
});
const thermostat = db.addDevice({
  device_id: randomUUID(),
  device_type: "ecobee_thermostat",
  name: "Living Room Thermostat",
  display_name: "Living Room Thermostat",
  workspace_id: workspace.workspace_id,
  connected_account_id: ecobee.connected_account_id,
  properties: {
    online: true,
    manufacturer: "ecobee",
    model: { display_name: "Smart Thermostat Premium", manufacturer_display_name: "ecobee" },
    temperature_celsius: 21.0,
    temperature_fahrenheit: 69.8,
    relative_humidity: 0.4,
    available_hvac_mode_settings: ["off", "heat", "cool", "heat_cool"],
    available_fan_mode_settings: ["auto", "on"],
    is_heating_available: true,
    is_cooling_available: true,
    min_heating_set_point_celsius: 7.0,
    max_heating_set_point_celsius: 26.0,
    min_cooling_set_point_celsius: 18.0,
    max_cooling_set_point_celsius: 33.0,
    min_heating_cooling_delta_celsius: 2.0,
    is_heating: false,
    is_cooling: false,
    is_fan_running: false,
    fan_mode_setting: "auto",
    // Every command below changes something: heat_cool at 19-25 °C, fan on auto.
    current_climate_setting: {
      hvac_mode_setting: "heat_cool",
      fan_mode_setting: "auto",
      manual_override_allowed: true,
      automatic_heating_enabled: false,
      automatic_cooling_enabled: false,
      heating_set_point_celsius: 19.0,
      heating_set_point_fahrenheit: 66.2,
      cooling_set_point_celsius: 25.0,
      cooling_set_point_fahrenheit: 77.0,
    },
  },
});
// addDevice gives every device the capabilities of a lock; a thermostat has its own.
db.updateDevice({ device_id: thermostat.device_id, capabilities_supported: ["thermostat"] });

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
      thermostat_id: thermostat.device_id,
      workspace_id: workspace.workspace_id,
    },
  }) + "\n",
);
