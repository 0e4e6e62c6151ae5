// Moment links: a link with data-seek="<seconds>" plays the recording from that time (without
// JavaScript it still jumps to the transcript at that second).
document.addEventListener("click", function (event) {
  var link = event.target.closest("a[data-seek]");
  var video = document.getElementById("recording");
  if (!link || !video) return;
  event.preventDefault();
  video.currentTime = parseFloat(link.getAttribute("data-seek"));
  video.scrollIntoView({ block: "center" });
  video.play();
  video.focus();
});
