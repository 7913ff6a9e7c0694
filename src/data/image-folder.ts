// An image data set on disk: one sub-folder per class, each holding .png/.jpg/.jpeg files. Listing only;
// decoding is the engine's job (images.ts).
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { DataError } from './table';

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg']);

export interface ImageFile {
  path: string;
  label: string;
}

export interface ImageFolder {
  dir: string;
  /** Class names: the sub-folders holding at least one image, sorted. */
  classes: string[];
  /** Every image, grouped by class in class order, file names sorted within a class. */
  files: ImageFile[];
  /** Sub-folders without any image (not classes). */
  emptyFolders: string[];
}

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

export function isImageFolder(data: unknown): data is ImageFolder {
  return typeof data === 'object' && data !== null && Array.isArray((data as ImageFolder).classes) && Array.isArray((data as ImageFolder).files);
}

export async function listImageFolder(dir: string): Promise<ImageFolder> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw DataError.at((code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'not a folder' : (e as Error).message), dir);
  }
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (subdirs.length === 0) {
    const loose = entries.filter((e) => e.isFile() && isImageFile(e.name)).length;
    throw DataError.at(
      `an image data set needs one sub-folder per class (e.g. cat/, dog/)${loose ? `; found ${loose} images directly in the folder` : ''}`,
      dir,
    );
  }
  const classes: string[] = [];
  const files: ImageFile[] = [];
  const emptyFolders: string[] = [];
  for (const label of subdirs) {
    // Dirent types, not a stat per file: a data set may hold tens of thousands of images.
    const entries = await readdir(join(dir, label), { withFileTypes: true });
    const names: string[] = [];
    for (const e of entries) {
      if (!isImageFile(e.name)) continue;
      if (e.isFile() || (e.isSymbolicLink() && (await stat(join(dir, label, e.name)).then((s) => s.isFile(), () => false)))) names.push(e.name);
    }
    names.sort();
    const images: ImageFile[] = names.map((n) => ({ path: join(dir, label, n), label }));
    if (images.length === 0) {
      emptyFolders.push(label);
      continue;
    }
    classes.push(label);
    files.push(...images);
  }
  if (classes.length === 0) throw DataError.at(`no .png or .jpg images in any class sub-folder`, dir);
  return { dir, classes, files, emptyFolders };
}
