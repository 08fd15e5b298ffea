"use strict";

module.exports = [[/Module parse failed/]];
