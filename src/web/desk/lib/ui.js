// @ts-check
// The desk's UI layer: Preact with htm templates (no build step; the server
// serves both from node_modules), and one small observable store the panels
// render from.
import { h, render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);
export { render, useEffect, useRef, useState };

/**
 * @template {object} T
 */
export class Store {
  /** @param {T} initial */
  constructor(initial) {
    /** @type {T} */
    this.state = initial;
    /** @type {Set<() => void>} */
    this.listeners = new Set();
  }

  /** @param {Partial<T> | ((s: T) => Partial<T>)} patch */
  set(patch) {
    const next = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...next };
    for (const l of this.listeners) l();
  }

  /** Re-renders the calling component whenever the store changes; returns the state. */
  use() {
    const [, tick] = useState(0);
    useEffect(() => {
      const l = () => tick((n) => n + 1);
      this.listeners.add(l);
      return () => void this.listeners.delete(l);
    }, []);
    return this.state;
  }
}

/** @param {number} ms */
export const seconds = (ms) => `${Math.round(ms / 1000)} s`;

/** @param {number} ms  m:ss */
export const clock = (ms) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
