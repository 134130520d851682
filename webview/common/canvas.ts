/**
 * What every hand-drawn plot (heatmaps, region maps, piece strips, histograms) needs: a canvas sized
 * at the device pixel ratio, and a hover tooltip.
 */

/**
 * A canvas with a hover tooltip. The owner draws on `canvas`, listens to its mouse events, and calls
 * `showTip`/`hideTip`; the tooltip sits beside the mouse and flips to its left on the canvas's right
 * half so it stays inside.
 */
export class HoverCanvas {
  readonly element: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly tooltip: HTMLDivElement;

  constructor(className: string, tooltipClass: string, testId?: string) {
    this.element = document.createElement('div');
    this.element.className = className;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    if (testId) this.canvas.setAttribute('data-testid', testId);
    this.tooltip = document.createElement('div');
    this.tooltip.className = tooltipClass;
    this.tooltip.hidden = true;
    this.element.append(this.canvas, this.tooltip);
    this.canvas.addEventListener('mouseleave', () => this.hideTip());
  }

  showTip(e: MouseEvent, text: string): void {
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    const rect = this.canvas.getBoundingClientRect();
    const x = e.clientX - rect.left, y = e.clientY - rect.top;
    const flip = x > rect.width / 2;
    this.tooltip.style.left = flip ? '' : `${x + 14}px`;
    this.tooltip.style.right = flip ? `${rect.width - x + 14}px` : '';
    this.tooltip.style.top = `${y + 14}px`;
  }

  hideTip(): void {
    this.tooltip.hidden = true;
  }
}

/**
 * Size `canvas` to cssW × cssH CSS pixels at the device pixel ratio (sharp on HiDPI screens) and return
 * its context scaled so that drawing is in CSS pixels; undefined when the canvas has no 2-D context.
 */
export function sizeCanvas(canvas: HTMLCanvasElement, cssW: number, cssH: number): CanvasRenderingContext2D | undefined {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  canvas.style.width = `${cssW}px`;
  canvas.style.height = `${cssH}px`;
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx ?? undefined;
}
