// How a prediction input names an image: `{ "file": "x.png" }` (or "image", "path"). Validation, the
// trainer's prediction and the dashboard's predict form read it the same way. Neutral module.

/** The keys an input row may use to name an image file, in the order they are looked up. */
export const IMAGE_INPUT_KEYS = ['file', 'image', 'path'] as const;

/** The key naming the image in `row`, if any. */
export function imageKeyOf(row: Readonly<Record<string, unknown>>): (typeof IMAGE_INPUT_KEYS)[number] | undefined {
  return IMAGE_INPUT_KEYS.find((k) => typeof row[k] === 'string');
}

export function imageFileOf(row: Readonly<Record<string, unknown>>): string | undefined {
  const k = imageKeyOf(row);
  return k === undefined ? undefined : (row[k] as string);
}
