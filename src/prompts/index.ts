export { captionsAsTheyAre, loadPromptSet, loadPromptSets, renderClassPrompts } from './load.js';
export { compileTemplate, HELPER_NAMES } from './template.js';
export { PromptError, type PromptSet, type PromptTemplate, type PromptVariable } from './types.js';
