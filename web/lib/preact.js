// The one place that names the vendored Preact + htm file (see
// scripts/vendor-web.sh). Everything in the shell imports from here, and
// plugins get the same instance through nb.html and nb.hooks: hooks only
// work when a component and its renderer share one Preact.
export {
  h, html, render, Component, createContext,
  useState, useEffect, useMemo, useRef, useCallback, useContext, useLayoutEffect,
} from '../vendor/htm-preact-standalone-3.1.1.js';
