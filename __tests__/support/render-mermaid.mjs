// Renders Mermaid diagrams with the real library (node_modules/mermaid) in headless Chromium, driven by
// puppeteer-core (ESM only, hence a separate process). Input on stdin: {"chromium": path, "pngDir"?: dir,
// "diagrams": [{"name", "source"}]}. Output on stdout: one result per diagram: name, error?, nodes, edges,
// width, height (natural size, useMaxWidth off). No network: the page is built from local files only.
import { readFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const require = createRequire(import.meta.url);
const input = JSON.parse(readFileSync(0, 'utf8'));
const browser = await puppeteer.launch({ executablePath: input.chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 1200 });
  await page.setContent('<!doctype html><html><body style="margin:0;background:#fff"><div id="out" style="display:inline-block"></div></body></html>');
  await page.addScriptTag({ path: require.resolve('mermaid/dist/mermaid.min.js') });
  await page.evaluate(() => globalThis.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', flowchart: { useMaxWidth: false, htmlLabels: true } }));
  const results = [];
  for (const [i, d] of input.diagrams.entries()) {
    const r = await page.evaluate(
      async (name, source, index) => {
        const m = globalThis.mermaid;
        try {
          await m.parse(source);
          const { svg } = await m.render(`d${index}`, source);
          const out = document.getElementById('out');
          out.innerHTML = svg;
          const el = out.querySelector('svg');
          const box = el.getBoundingClientRect();
          return {
            name,
            nodes: el.querySelectorAll('g.node').length,
            edges: el.querySelectorAll('path.flowchart-link').length,
            width: Math.round(box.width),
            height: Math.round(box.height),
          };
        } catch (e) {
          document.getElementById('out').innerHTML = '';
          return { name, error: String(e?.message ?? e), nodes: 0, edges: 0, width: 0, height: 0 };
        }
      },
      d.name,
      d.source,
      i,
    );
    if (input.pngDir && !r.error) {
      mkdirSync(input.pngDir, { recursive: true });
      const el = await page.$('#out svg');
      await el.screenshot({ path: join(input.pngDir, `${d.file ?? 'diagram'}-${String(i).padStart(2, '0')}.png`) });
    }
    results.push(r);
  }
  process.stdout.write(JSON.stringify(results));
} finally {
  await browser.close();
}
