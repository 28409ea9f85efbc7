import type { Command } from 'commander';
import { BAG_STORAGES, openBag, type BagStorage } from '../../bag';
import { errorMessage, isEdgenextError } from '../../core/errors';
import { plural } from '../../core/plural';
import { BAG_IMAGE_ENCODINGS, makeImageBag, type BagImageEncoding } from '../../bagmake';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, processIo, type CommandIo } from '../commandIo';

/** Options as commander hands them over (strings, validated here so messages name the option). */
export interface BagMakeCommandOptions {
  readonly output?: string;
  readonly storage?: string;
  readonly encoding?: string;
  readonly rate?: string;
  readonly topic?: string;
  readonly frameId?: string;
  readonly startTime?: string;
  readonly overwrite?: boolean;
}

function formatNs(ns: bigint): string {
  return `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')} s`;
}

/** `edgenext bag make <input...> -o <bagdir>`: builds an image bag. Returns the exit code. */
export async function runBagMake(
  inputs: readonly string[],
  options: BagMakeCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const usage = (message: string): number => {
    io.stderr(`edgenext bag make: ${message}`);
    return EXIT_USAGE;
  };
  if (options.output === undefined || options.output === '')
    return usage('missing output bag directory (-o, --output <bagdir>)');
  const storage = options.storage ?? 'mcap';
  if (!(BAG_STORAGES as readonly string[]).includes(storage))
    return usage(`--storage must be one of ${BAG_STORAGES.join(', ')}, got '${storage}'`);
  const encoding = options.encoding ?? 'bgr8';
  if (!(BAG_IMAGE_ENCODINGS as readonly string[]).includes(encoding)) {
    return usage(`--encoding must be one of ${BAG_IMAGE_ENCODINGS.join(', ')}, got '${encoding}'`);
  }
  const rateHz = Number(options.rate ?? '10');
  if (!(rateHz > 0) || !Number.isFinite(rateHz))
    return usage(`--rate must be a positive number of frames per second, got '${options.rate}'`);
  let startTimeNs: bigint | undefined;
  if (options.startTime !== undefined) {
    if (!/^\d+$/.test(options.startTime))
      return usage(`--start-time must be ns since the epoch (digits), got '${options.startTime}'`);
    startTimeNs = BigInt(options.startTime);
  }
  try {
    const made = await makeImageBag({
      inputs,
      outDir: options.output,
      storage: storage as BagStorage,
      encoding: encoding as BagImageEncoding,
      rateHz,
      ...(options.topic !== undefined && { topic: options.topic }),
      ...(options.frameId !== undefined && { frameId: options.frameId }),
      ...(startTimeNs !== undefined && { startTimeNs }),
      overwrite: options.overwrite === true,
    });
    const first = made.stampsNs[0] ?? 0n;
    const last = made.stampsNs.at(-1) ?? 0n;
    io.stdout(
      `wrote ${made.dir}: ${plural(made.frames, 'frame')} on ${made.topic} (${made.type}, ${encoding}), ${storage}, ` +
        `stamps ${formatNs(first)} .. ${formatNs(last)}`,
    );
    return EXIT_OK;
  } catch (error) {
    io.stderr(`edgenext bag make: ${errorMessage(error)}`);
    return isEdgenextError(error) && error.code === 'invalid_argument' ? EXIT_USAGE : EXIT_FAILURE;
  }
}

/** `edgenext bag info <bag>`: storage, time span and topics of a bag. Returns the exit code. */
export async function runBagInfo(bagPath: string, io: CommandIo = processIo): Promise<number> {
  try {
    const reader = await openBag(bagPath);
    try {
      io.stdout(`bag: ${reader.path}`);
      io.stdout(
        `storage: ${reader.storage}${reader.metadataVersion !== undefined ? `  metadata version: ${reader.metadataVersion}` : ''}`,
      );
      io.stdout(
        `messages: ${reader.messageCount}  start: ${formatNs(reader.startTimeNs)}  duration: ${formatNs(reader.endTimeNs - reader.startTimeNs)}`,
      );
      for (const t of reader.topics) io.stdout(`topic: ${t.name} | type: ${t.type} | count: ${t.messageCount}`);
      for (const w of reader.warnings) io.stderr(`warning: ${w}`);
    } finally {
      await reader.close();
    }
    return EXIT_OK;
  } catch (error) {
    io.stderr(`edgenext bag info: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }
}

export function registerBagCommand(program: Command): void {
  const bag = program.command('bag').description('rosbag2 bags (MCAP and sqlite3): build image bags, inspect');
  bag
    .command('make')
    .description(
      'build a single-topic image bag from image files or frame folders (EuRoC data.csv stamps are used when present)',
    )
    .argument('<input...>', 'image files and/or folders of images, in order')
    .option('-o, --output <bagdir>', 'output bag directory')
    .option('--storage <id>', `storage: ${BAG_STORAGES.join(', ')}`, 'mcap')
    .option(
      '--encoding <enc>',
      `image encoding: ${BAG_IMAGE_ENCODINGS.join(', ')} (jpeg/png give CompressedImage)`,
      'bgr8',
    )
    .option('--rate <hz>', 'frames per second when the inputs carry no stamps', '10')
    .option('--topic <name>', 'topic (default /camera/image_raw, or /camera/image_raw/compressed for jpeg/png)')
    .option('--frame-id <id>', 'header frame_id', 'camera')
    .option('--start-time <ns>', 'stamp of the first frame, ns since the epoch (default: now)')
    .option('--overwrite', 'replace an existing output directory')
    .action(async (inputs: string[], options: BagMakeCommandOptions) => {
      process.exitCode = await runBagMake(inputs, options);
    });
  bag
    .command('info')
    .description('print the storage, time span and topics of a bag directory or .mcap/.db3 file')
    .argument('<bag>', 'bag directory or storage file')
    .action(async (bagPath: string) => {
      process.exitCode = await runBagInfo(bagPath);
    });
}
