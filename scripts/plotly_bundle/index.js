'use strict';

// Entry of the partial plotly.js bundle served as static/plotly/plotly-creative.min.js.
// lib/core registers the scatter trace and all the components (legend, modebar, fx, ...)
// and the locales en / en-US. Each trace type or locale added here grows the bundle: keep
// static/plotly/README.md in step.
var Plotly = require('plotly.js/lib/core');

Plotly.register([
    // traces
    require('plotly.js/lib/bar'),
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/scattergeo'),

    // locales (plotly.js 4.1.1 ships no 'kk')
    require('plotly.js/lib/locales/ru')
]);

module.exports = Plotly;
