/** What every bench section gets: mode, model, folders, questions. */
import type { Embedder } from '../embed.js';
import type { Logger } from '../log.js';
import type { BenchModel } from './model.js';

export interface BenchContext {
  quick: boolean;
  model: BenchModel;
  /** The loaded model (the product's loader), or null when there is none or it failed. */
  embedder: Embedder | null;
  /** The product's corpus, as given (read only). */
  sourceCorpus: string;
  /** A scratch folder for this run (copies of the corpus, indexes). */
  tmp: string;
  /** The dev questions, in file order. */
  questions: string[];
  questionsFile: string;
  log: Logger;
  /** Progress lines for the person running the bench (stderr). */
  say: (line: string) => void;
}
