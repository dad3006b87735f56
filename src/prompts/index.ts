export { compileFormatTemplate, loadClipBenchmarkTemplates } from './clipBenchmarkTemplates.js';
export { parseRandomDescriptors, randomDescriptors, type RandomDescriptorOptions } from './descriptors.js';
export { captionsAsTheyAre, loadPromptSet, loadPromptSets, renderClassPrompts, renderTemplatePrompts, validateAgainstClasses } from './load.js';
export { RANDOM_WORDS } from './randomWords.js';
export { subsetPromptFile } from './selectedFile.js';
export { compileTemplate, HELPER_NAMES } from './template.js';
export {
  PromptError,
  type PromptDescriptors,
  type PromptEnsemble,
  type PromptSet,
  type PromptTemplate,
  type PromptVariable,
} from './types.js';
