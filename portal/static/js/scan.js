// The merchant's check page: scan a voucher's QR code with the camera and fill in the code.
// Uses the browser's BarcodeDetector where there is one, otherwise the vendored jsQR decoder
// (loaded only when needed). Without a camera, or without script, staff type the code.
(function () {
  "use strict";
  var box = document.querySelector("[data-scan]");
  if (!box || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  var form = box.closest("form");
  var input = form.querySelector("input[name='code']");
  var video = box.querySelector("[data-scan-video]");
  var status = box.querySelector("[data-scan-status]");
  var start = box.querySelector("[data-scan-start]");
  box.hidden = false;

  function loadJsQR() {
    return new Promise(function (resolve, reject) {
      if (window.jsQR) return resolve(window.jsQR);
      var script = document.createElement("script");
      script.src = box.getAttribute("data-decoder");
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function makeDecoder() {
    if ("BarcodeDetector" in window) {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return Promise.resolve(function () {
        return detector.detect(video).then(function (codes) {
          return codes.length ? codes[0].rawValue : null;
        });
      });
    }
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return loadJsQR().then(function (jsQR) {
      return function () {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        if (!canvas.width) return Promise.resolve(null);
        context.drawImage(video, 0, 0);
        var image = context.getImageData(0, 0, canvas.width, canvas.height);
        var found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
        return Promise.resolve(found ? found.data : null);
      };
    });
  }

  function stop(stream) {
    stream.getTracks().forEach(function (track) { track.stop(); });
    video.hidden = true;
  }

  start.addEventListener("click", function () {
    start.disabled = true;
    Promise.all([
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }),
      makeDecoder(),
    ]).then(function (ready) {
      var stream = ready[0], decode = ready[1];
      video.srcObject = stream;
      video.hidden = false;
      status.textContent = status.getAttribute("data-scanning");
      return video.play().then(function () {
        var tick = function () {
          decode().then(function (text) {
            if (text) {
              stop(stream);
              input.value = text;
              form.submit();
            } else {
              window.requestAnimationFrame(tick);
            }
          }, function () { window.requestAnimationFrame(tick); });
        };
        tick();
      });
    }).catch(function () {
      start.disabled = false;
      status.textContent = status.getAttribute("data-no-camera");
    });
  });
})();
