/** The LIKE pattern for labels `<model>@<dtype>` (with `\` as the escape), so `--model a_b` never matches `axb@fp32`. */
export function dtypeLabelPattern(model: string): string {
  return `${model.replace(/[\\%_]/g, (c) => `\\${c}`)}@%`;
}
