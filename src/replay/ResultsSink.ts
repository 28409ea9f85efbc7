import { McapBagWriter, JsonLinesWriter } from '../bag';
import { encodeMessage, ros2msgSchemaText, toEdgenextClassificationMsg } from '../messages';
import { stampToNs } from '../core/image';
import type { ReplayModel, ReplayResult } from './types';

export const RESULT_TYPE = 'edgenext/msg/Classification';

/** The results topic of an image topic: `<image topic>/classification`. */
export function resultsTopicFor(imageTopic: string): string {
  return `${imageTopic.replace(/\/+$/, '')}/classification`;
}

/** Writes replay results as a rosbag2 MCAP bag (edgenext/msg/Classification) and as JSON Lines, in arrival order. */
export class ResultsSink {
  readonly bagDir: string;
  readonly jsonlFile: string;
  readonly #bag: McapBagWriter;
  readonly #jsonl: JsonLinesWriter;
  readonly #model: ReplayModel;

  private constructor(
    bagDir: string,
    jsonlFile: string,
    bag: McapBagWriter,
    jsonl: JsonLinesWriter,
    model: ResultsSink['model'],
  ) {
    this.bagDir = bagDir;
    this.jsonlFile = jsonlFile;
    this.#bag = bag;
    this.#jsonl = jsonl;
    this.#model = model;
  }

  get model(): ReplayModel {
    return this.#model;
  }

  /** Creates `<out>` (bag directory, replaced) and `<out>.jsonl`. */
  static async create(out: string, model: ReplayModel): Promise<ResultsSink> {
    const bag = await McapBagWriter.create(out, { schemaTextFor: ros2msgSchemaText, overwrite: true });
    const jsonl = await JsonLinesWriter.create(`${out}.jsonl`);
    return new ResultsSink(out, `${out}.jsonl`, bag, jsonl, model);
  }

  async write(result: ReplayResult): Promise<void> {
    const c = result.classification;
    const msg = toEdgenextClassificationMsg(c, { modelName: this.#model.name, backend: this.#model.backend });
    await this.#bag.addMessage(
      resultsTopicFor(result.topic),
      RESULT_TYPE,
      result.logTimeNs,
      encodeMessage(RESULT_TYPE, msg),
    );
    await this.#jsonl.write({
      topic: result.topic,
      stampNs: stampToNs(c.header.stamp),
      frameId: c.header.frameId,
      logTimeNs: result.logTimeNs,
      topK: c.topK,
      unknown: c.unknown,
      timingsMs: c.timings,
      model: this.#model.name,
      backend: this.#model.backend,
      // Said on every line so that no script mistakes the bundled model's labels for real predictions.
      syntheticWeights: this.#model.syntheticWeights,
      labelsMeaningful: this.#model.labelsMeaningful ?? !this.#model.syntheticWeights,
      ...(this.#model.labelsNote !== undefined && { labelsNote: this.#model.labelsNote }),
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.#bag.close(), this.#jsonl.close()]);
  }
}
