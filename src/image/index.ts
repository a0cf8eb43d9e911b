/**
 * Images: device profiles, flash layouts (NixWRT and OpenWrt style), phram boot, U-Boot
 * scripts, the emulator directory and manifest.json.
 */
export * from './device.js';
export * from './devices.js';
export * from './errors.js';
export * from './layout.js';
export * from './phram.js';
export * from './uboot-scripts.js';
export * from './emulator.js';
export * from './manifest.js';
