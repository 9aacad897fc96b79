// The files the invoice PDF embeds, bundled into the Worker as Data modules (wrangler.toml
// [[rules]]): DejaVu Sans from the npm package dejavu-fonts-ttf, and the ICC's sRGB2014
// profile (IEC 61966-2-1; "may be copied, distributed, embedded, made, used, and sold without
// restriction"), copied byte for byte from pdfkit 0.20.2's js/data/sRGB_IEC61966_2_1.icc (SHA-256
// 384b832d…), for the PDF/A output intent.
import boldFont from "dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";
import regularFont from "dejavu-fonts-ttf/ttf/DejaVuSans.ttf";
import iccProfile from "./sRGB2014.icc";
import type { PdfAssets } from "./pdf.ts";

export const bundledAssets: Omit<PdfAssets, "logo"> = {
  regularFont: new Uint8Array(regularFont),
  boldFont: new Uint8Array(boldFont),
  iccProfile: new Uint8Array(iccProfile),
};
