// Record the answer in the browser (camera and microphone through MediaRecorder). The recording
// becomes the form's file, so the form sends it exactly as an uploaded file; without camera,
// MediaRecorder or JavaScript, the file field alone works.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("recorder");
    var input = document.getElementById("video");
    if (!box || !input || !window.MediaRecorder || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia || typeof DataTransfer === "undefined") return;
    var preview = document.getElementById("preview");
    var start = document.getElementById("rec-start");
    var stop = document.getElementById("rec-stop");
    var status = document.getElementById("rec-status");
    var types = ["video/webm;codecs=vp8,opus", "video/webm", "video/mp4"];
    var type = types.find(function (t) { return MediaRecorder.isTypeSupported(t); }) || "";
    var recorder = null, stream = null, chunks = [], began = 0, timer = null;
    box.hidden = false;

    function seconds() { return Math.round((Date.now() - began) / 1000); }
    function clock(s) { return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }

    start.addEventListener("click", function () {
      status.focus();  // the button is disabled next: focus stays on the page, where it is said
      start.disabled = true;
      status.textContent = "Asking for the camera and microphone…";
      navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true })
        .then(function (s) {
          stream = s;
          preview.srcObject = s;
          preview.controls = false;
          preview.muted = true;
          preview.play();
          chunks = [];
          recorder = new MediaRecorder(s, type ? { mimeType: type } : undefined);
          recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
          recorder.onstop = done;
          recorder.start(1000);
          began = Date.now();
          stop.disabled = false;
          stop.focus();
          timer = setInterval(function () { status.textContent = "Recording " + clock(seconds()); }, 1000);
          status.textContent = "Recording 0:00";
        })
        .catch(function (err) {
          start.disabled = false;
          start.focus();
          status.textContent = "No camera or microphone (" + err.name + "): choose a recording file instead.";
        });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      stop.disabled = true;
    });

    function done() {
      clearInterval(timer);
      var length = seconds();
      stream.getTracks().forEach(function (t) { t.stop(); });
      var mime = (recorder.mimeType || type || "video/webm").split(";")[0];
      var blob = new Blob(chunks, { type: mime });
      var file = new File([blob], "answer." + (mime.indexOf("mp4") >= 0 ? "mp4" : "webm"), { type: mime });
      var dt = new DataTransfer();
      dt.items.add(file);
      input.files = dt.files;
      preview.srcObject = null;
      preview.src = URL.createObjectURL(blob);
      preview.muted = false;
      preview.controls = true;
      start.disabled = false;
      start.textContent = "Record again";
      status.textContent = "Recorded " + clock(length) + ". Watch it back, then send your answer.";
      document.getElementById("send").focus();
    }
  });
})();
