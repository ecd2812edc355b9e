/** `benchbook approve|reject <release> --by NAME [--note TEXT]`: record the human sign-off of a release. */
import {checkReleaseName, DEFAULT_ARCHIVE, openArchiveRoot} from "../engine/archive/fs.ts";
import {withArchiveLock} from "../engine/archive/lock.ts";
import {assertRootWritable, writeArchiveRoot} from "../engine/archive/root.ts";
import {recordSignoff, signoffText, type Decision} from "../engine/archive/signoff.ts";
import {parseVerbArguments, usageError} from "./args.ts";
import {reportBroken} from "./build.ts";
import type {CommandIo} from "./io.ts";
import {usageOf} from "./usage.ts";


export const approveCommand = (argv: string[], io: CommandIo) => signoff("approved", argv, io);
export const rejectCommand = (argv: string[], io: CommandIo) => signoff("rejected", argv, io);

async function signoff(decision: Decision, argv: string[], io: CommandIo): Promise<number> {
  const usage = usageOf(decision === "approved" ? "approve" : "reject");
  const {values, positionals} = parseVerbArguments(argv, {
    usage,
    options: {by: {type: "string"}, note: {type: "string"}, archive: {type: "string", default: DEFAULT_ARCHIVE}},
    positionals: {min: 1, max: 1, what: "release name"}
  });
  const verb = decision === "approved" ? "approve" : "reject";
  const release = checkReleaseName(positionals[0]!);
  if (values.by === undefined) throw usageError(`${verb} needs --by NAME`, usage);
  if (decision === "rejected" && values.note === undefined) throw usageError("reject needs --note TEXT saying why", usage);
  const root = await openArchiveRoot(values.archive);
  const {state, broken} = await withArchiveLock(root, async () => {
    await assertRootWritable(root);
    const result = await recordSignoff(root, release, {decision, by: values.by!, note: values.note, at: new Date().toISOString()});
    const contents = await writeArchiveRoot(root);
    return {...result, broken: contents.broken};
  });
  io.out(`${release}: ${signoffText(state)}\n`);
  return reportBroken(broken, verb, io);
}
