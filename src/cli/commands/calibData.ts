import { promises as fs } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { errorMessage } from '../../core/errors';
import { calibrationTensor, decodeCompressed, readImageFile, ZOO_CALIBRATION } from '../../image';
import { ZOO_HB_MAPPER } from '../../model/quantConfig';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, parseIntegerOption, processIo, type CommandIo } from '../commandIo';
import { collectImages } from './classify';

export interface CalibDataCommandOptions {
  readonly output?: string;
  /** Decimal integer as typed: how many images to prepare (default all). */
  readonly count?: string;
  readonly size?: string;
  readonly shortSide?: string;
}

/** The zoo guide asks for 100 to 300 images; fewer calibrate the int8 ranges on too little data. */
const ZOO_MIN_IMAGES = 100;

/**
 * `edgenext models calib-data <images...> -o <dir>`: hb_mapper calibration tensors prepared the model zoo's way,
 * one `<image stem>.rgb` (raw float32 CHW) per image. An unreadable image is named and skipped. Returns the exit code.
 */
export async function runCalibData(
  inputs: readonly string[],
  options: CalibDataCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const say = (line: string): void => io.stderr(`edgenext models calib-data: ${line}`);
  let limit: number;
  let recipe: typeof ZOO_CALIBRATION;
  try {
    if (options.output === undefined) throw new Error('missing output folder (-o, --output <dir>)');
    limit = options.count === undefined ? Infinity : parseIntegerOption('--count', options.count, 1, 1_000_000);
    const cropSize = parseIntegerOption('--size', options.size ?? String(ZOO_CALIBRATION.cropSize), 1, 8192);
    const shortSide = parseIntegerOption(
      '--short-side',
      options.shortSide ?? String(ZOO_CALIBRATION.shortSide),
      cropSize,
      16384,
    );
    recipe = { cropSize, shortSide };
  } catch (error) {
    say(errorMessage(error));
    return EXIT_USAGE;
  }
  const outputDir = options.output;
  const { files: found, missing } = await collectImages(inputs);
  for (const file of missing) say(`${file}: file not found`);
  const files = found.slice(0, limit);
  if (files.length === 0) {
    say('no images found (JPEG, PNG or WebP files, or folders of them)');
    return EXIT_FAILURE;
  }
  try {
    await fs.mkdir(outputDir, { recursive: true });
  } catch (error) {
    say(`cannot create ${outputDir}: ${errorMessage(error)}`);
    return EXIT_FAILURE;
  }

  const bar =
    io.interactive === true
      ? new SingleBar({ format: 'calib-data [{bar}] {value}/{total} {file}', clearOnComplete: true })
      : undefined;
  bar?.start(files.length, 0, { file: '' });
  const written = new Set<string>();
  let failed = missing.length;
  for (const file of files) {
    bar?.increment(1, { file: path.basename(file) });
    try {
      let name = `${path.parse(file).name}.rgb`;
      // Two folders may hold the same file name; a second one must not overwrite the first tensor.
      for (let n = 2; written.has(name); n++) name = `${path.parse(file).name}_${n}.rgb`;
      const tensor = calibrationTensor(await decodeCompressed(await readImageFile(file)), recipe);
      await fs.writeFile(
        path.join(outputDir, name),
        new Uint8Array(tensor.buffer, tensor.byteOffset, tensor.byteLength),
      );
      written.add(name);
    } catch (error) {
      failed++;
      bar?.stop();
      say(`${file}: ${errorMessage(error)} (skipped)`);
    }
  }
  bar?.stop();
  const bytes = recipe.cropSize * recipe.cropSize * 3 * 4;
  io.stdout(
    `wrote ${written.size} calibration files to ${outputDir}: float32 RGB CHW 3x${recipe.cropSize}x${recipe.cropSize} ` +
      `(${bytes} bytes each; short side ${recipe.shortSide}, centre crop ${recipe.cropSize}, 0..255 scale)` +
      (failed > 0 ? `; ${failed} input${failed === 1 ? '' : 's'} skipped` : ''),
  );
  io.stdout(
    `hb_mapper: cal_data_dir ${outputDir}, cal_data_type ${ZOO_HB_MAPPER.calDataType}` +
      (written.size < ZOO_MIN_IMAGES
        ? ` (the model zoo calibrates with 100 to 300 images; ${written.size} is few)`
        : ''),
  );
  return failed > 0 ? EXIT_FAILURE : EXIT_OK;
}

export function registerCalibDataCommand(models: Command): void {
  models
    .command('calib-data')
    .description(
      'prepare hb_mapper calibration data the model zoo way: short side 256, centre crop 224, RGB float32 CHW .rgb files',
    )
    .argument('<images...>', 'image files or folders (searched recursively)')
    .option('-o, --output <dir>', 'output folder (hb_mapper cal_data_dir)')
    .option('-n, --count <n>', 'use at most this many images (default: all; the zoo uses 100 to 300)')
    .option('--size <px>', 'centre crop side (the model input)', String(ZOO_CALIBRATION.cropSize))
    .option('--short-side <px>', 'short side after the first resize', String(ZOO_CALIBRATION.shortSide))
    .action(async (images: string[], options: CalibDataCommandOptions) => {
      process.exitCode = await runCalibData(images, options);
    });
}
