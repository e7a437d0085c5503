// CLI: alerts — `cinch alerts test <channel>` sends a test message to a channel (by id or name) from this machine,
// with the configuration's destination rules (ALERT_ALLOW_PRIVATE_DESTINATIONS, SMTP_URL), and prints the outcome.
import type { Command } from "commander";
import pino from "pino";
import { ProjectStore } from "../store/projects.ts";
import { AlertService, alertOptions } from "../alerts/service.ts";
import { CliError, out } from "./io.ts";
import { withConfigDb } from "./admin.ts";

/** Register the alerts subcommands. */
export function registerAlertCommands(program: Command): void {
  const alerts = program.command("alerts").description("alert channels");
  alerts
    .command("test")
    .description(
      'send a test message to a channel (id or name); prints {"delivered", "responseCode", "error"}',
    )
    .argument("<channel>", "the channel's id or name")
    .action(async (ref: string) => {
      await withConfigDb(async (db, config) => {
        const service = new AlertService(
          db,
          new ProjectStore(db),
          pino({ level: "silent" }),
          alertOptions(config),
        );
        const channel = await service.config.channelByIdOrName(ref);
        if (!channel) throw new CliError(`no alert channel with id or name ${JSON.stringify(ref)}`);
        const r = await service.test(channel);
        out(JSON.stringify({ channel: channel.name, kind: channel.kind, ...r }));
        if (!r.delivered) throw new CliError(`test to ${channel.name} failed: ${r.error ?? "unknown error"}`);
      });
    });
}
