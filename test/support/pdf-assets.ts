// The PDF assets as the Worker bundles them (worker/documents/assets.ts), read from disk for tests
// and benches that run in plain Node.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { PdfAssets } from "../../worker/documents/pdf.ts";

const modules = resolve(import.meta.dirname, "../../node_modules");

export const pdfAssets: PdfAssets = {
  regularFont: readFileSync(`${modules}/dejavu-fonts-ttf/ttf/DejaVuSans.ttf`),
  boldFont: readFileSync(`${modules}/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf`),
  iccProfile: readFileSync(resolve(import.meta.dirname, "../../worker/documents/sRGB2014.icc")),
  logo: null,
};
