// The customer upload's progress bar: the form is sent as it would be without script, through
// XMLHttpRequest, whose upload events say how much of a large file has gone.
(function () {
  "use strict";
  var form = document.getElementById("customer-upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        bar.value = Math.round((progress.loaded / progress.total) * 100);
        status.textContent = bar.value < 100 ? "Uploading: " + bar.value + "%" : "Reading the list…";
      }
    });
    request.addEventListener("load", function () {
      // The answer is the list's page after the redirect: show it as a normal submit would.
      document.open();
      document.write(request.responseText);
      document.close();
      history.replaceState(null, "", request.responseURL);
    });
    request.addEventListener("error", function () {
      status.textContent = "The upload failed; check the connection and try again.";
      form.querySelector("button[type=submit]").disabled = false;
    });
    bar.hidden = false;
    status.textContent = "Uploading…";
    form.querySelector("button[type=submit]").disabled = true;
    request.send(new FormData(form));
  });
})();
