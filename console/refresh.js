// Drawing the page again after an action, and the one-off notice above it.
// The router registers how to draw; pages call render() without importing
// the router, so no page module imports the module that imports them.

let drawer = null;
let notice = null;

/** Sets how the page is drawn (the router does, once). */
export function setRenderer(draw) { drawer = draw; }

/** Draws the current page again. */
export function render() { return drawer(); }

/** A message shown once above the next page drawn. */
export function say(text) { notice = text; }

/** The message for the page being drawn, which is then forgotten. */
export function takeNotice() {
  const text = notice;
  notice = null;
  return text;
}
