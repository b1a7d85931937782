/**
 * Reading an invite's QR code inside the app, so its secret never becomes a navigation (and so
 * never lands in the browser's History, Top Sites or session files).
 *
 * The decoder is the browser's own BarcodeDetector where it reads QR codes (Chrome on Android,
 * Safari), and the vendored jsQR (Apache-2.0) elsewhere: desktop Chromium on Linux and Windows,
 * Firefox. Both take the same sources (a video frame, a picture, a canvas), so a photo or
 * screenshot of the code goes through the same path as the camera. Frames are read into a canvas
 * that is emptied after each one; nothing is stored.
 */

let jsqr = null;

async function loadJsQR() {
  jsqr ??= import('../../vendor/jsqr/jsQR.js').then(() => globalThis.jsQR, (error) => {
    jsqr = null;
    throw error;
  });
  return jsqr;
}

function size(source) {
  return [source.videoWidth || source.naturalWidth || source.width || 0,
    source.videoHeight || source.naturalHeight || source.height || 0];
}

/**
 * {kind: 'native' | 'jsqr', decode(source) → Promise<text | null>}. `native: false` skips the
 * BarcodeDetector (tests use it to drive the fallback on a browser that has one).
 */
export async function qrDecoder({ native = true } = {}) {
  if (native && 'BarcodeDetector' in globalThis) {
    try {
      if ((await globalThis.BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
        const detector = new globalThis.BarcodeDetector({ formats: ['qr_code'] });
        return { kind: 'native', decode: async (source) => (await detector.detect(source))[0]?.rawValue ?? null };
      }
    } catch {
      // an unusable detector: the fallback below
    }
  }
  const jsQR = await loadJsQR();
  return {
    kind: 'jsqr',
    async decode(source) {
      const [width, height] = size(source);
      if (!width || !height) return null;
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(source, 0, 0, width, height);
      const pixels = context.getImageData(0, 0, width, height);
      canvas.width = canvas.height = 0;
      const found = jsQR(pixels.data, width, height, { inversionAttempts: 'attemptBoth' });
      pixels.data.fill(0);
      return found ? found.data : null;
    },
  };
}

/** The text of the QR code in a picture file (a photo or screenshot of it), or null. */
export async function decodeFile(file, decoder) {
  const bitmap = await createImageBitmap(file);
  try {
    return await decoder.decode(bitmap);
  } finally {
    bitmap.close();
  }
}

/** The message key for a camera error (permission refused, no camera, camera busy, ...). */
export function cameraProblem(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'scan.denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'scan.no_camera';
    case 'NotReadableError':
    case 'AbortError':
      return 'scan.busy';
    default:
      return 'scan.failed';
  }
}

/**
 * Show the back camera in `video` and read frames until a code is found: `found(text)` is called
 * once, after the camera is off. Resolves to stop() (turns the camera off); rejects with the
 * browser's error when there is no camera or permission (see cameraProblem).
 */
export async function startCamera(video, decoder, found) {
  if (!navigator.mediaDevices?.getUserMedia) throw Object.assign(new Error('no camera API'), { name: 'NotFoundError' });
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  let stopped = false;
  let timer = null;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
  };
  video.muted = true;
  video.setAttribute('playsinline', '');
  video.srcObject = stream;
  await video.play().catch(() => {}); // autoplay refused: frames are still read from the stream
  const tick = async () => {
    if (stopped) return;
    let text = null;
    try {
      text = await decoder.decode(video);
    } catch {
      // a frame that is not ready yet: try the next one
    }
    if (stopped) return;
    if (text) {
      stop();
      found(text);
    } else {
      timer = setTimeout(tick, 200);
    }
  };
  tick();
  return stop;
}
