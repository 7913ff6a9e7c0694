// Draws a scene into a holder, reusing the SVG already there when the new scene has the same elements
// (the network diagram while only its weights change): attributes and texts are patched in place, so
// the browser neither parses markup nor builds, styles and lays out hundreds of new elements.
import { sceneToSvg, shapeMarkup, svgAttrs, type Scene, type Shape } from '../model/scene';

export function drawScene(holder: HTMLElement, scene: Scene, cls: string): void {
  const svg = holder.firstElementChild;
  if (holder.childElementCount === 1 && svg instanceof SVGSVGElement && sameShape(svg.children, scene.shapes)) {
    setAttrs(svg, svgAttrs(scene, cls));
    patch(svg.children, scene.shapes);
    return;
  }
  holder.innerHTML = sceneToSvg(scene, cls);
}

/** Same tags in the same tree, checked before anything is touched. */
function sameShape(els: HTMLCollection, shapes: readonly Shape[]): boolean {
  if (els.length !== shapes.length) return false;
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i];
    const el = els[i];
    if (el.tagName !== s.t) return false;
    if (s.t === 'g' ? !sameShape(el.children, s.children) : el.childElementCount !== 0) return false;
  }
  return true;
}

function patch(els: HTMLCollection, shapes: readonly Shape[]): void {
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i];
    const el = els[i];
    const m = shapeMarkup(s);
    setAttrs(el, m.attrs);
    if (m.text !== undefined && el.textContent !== m.text) el.textContent = m.text;
    if (s.t === 'g') patch(el.children, s.children);
  }
}

function setAttrs(el: Element, attrs: readonly [string, string][]): void {
  // Only what changed: an unchanged attribute costs no style invalidation.
  for (const [k, v] of attrs) if (el.getAttribute(k) !== v) el.setAttribute(k, v);
  if (el.attributes.length !== attrs.length) {
    const keep = new Set(attrs.map(([k]) => k));
    for (const a of Array.from(el.attributes)) if (!keep.has(a.name)) el.removeAttribute(a.name);
  }
}
