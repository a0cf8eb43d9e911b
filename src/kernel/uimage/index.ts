/**
 * Legacy uImage: U-Boot's 64-byte big-endian header (magic 0x27051956, header and data
 * CRC-32s, time, size, load, entry, os/arch/type/comp codes, 32-byte name) followed by
 * the payload. Multi-file payloads start with a zero-terminated table of image sizes.
 */
export * from './types.js';
export { UImageError, type UImageErrorCode } from './errors.js';
export { encodeHeader, decodeHeader, type HeaderFields } from './header.js';
export { writeUImage, multiPayload, concatBytes, type UImageOptions } from './writer.js';
export { readUImage, splitMulti, type UImage } from './reader.js';
export { describeUImage, describeHeader } from './listing.js';
