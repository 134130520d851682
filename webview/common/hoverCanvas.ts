/**
 * A canvas with a hover tooltip: what every hand-drawn plot (heatmaps, region maps, piece strips)
 * needs. The owner draws on `canvas`, listens to its mouse events, and calls `showTip`/`hideTip`; the
 * tooltip sits beside the mouse and flips to its left on the canvas's right half so it stays inside.
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
