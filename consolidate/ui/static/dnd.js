/* Drag and drop for the self-check page (consolidate serve). No framework, no external
   resource; the page works without it (the file chooser and the button do the job). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload");
    var drop = document.getElementById("drop");
    var input = document.getElementById("files");
    var chosen = document.getElementById("chosen");
    if (!form || !drop || !input || !chosen) return;
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var maxFiles = parseInt(form.getAttribute("data-max-files"), 10) || 0;
    var suffixes = (form.getAttribute("data-suffixes") || "").split(",");

    function suffixOk(name) {
      var lower = name.toLowerCase();
      for (var i = 0; i < suffixes.length; i++) {
        if (suffixes[i] && lower.slice(-suffixes[i].length) === suffixes[i]) return true;
      }
      return false;
    }

    /* Say what was chosen, and what is wrong before anything is sent. */
    function problem() {
      var files = input.files, total = 0, names = [], wrong = [];
      for (var i = 0; i < files.length; i++) {
        total += files[i].size;
        names.push(files[i].name);
        if (!suffixOk(files[i].name)) wrong.push(files[i].name);
      }
      chosen.className = "chosen";
      chosen.textContent = files.length ? "已选择 " + files.length + " 个文件：" + names.join("、") : "";
      var message = "";
      if (maxFiles && files.length > maxFiles) {
        message = "一次最多检查 " + maxFiles + " 个文件，现在选了 " + files.length + " 个，请分几次上传。";
      } else if (maxBytes && total > maxBytes) {
        message = "文件合计 " + (total / 1e6).toFixed(1) + "MB，超过 " + Math.round(maxBytes / 1e6) + "MB 上限，请分几次上传。";
      } else if (wrong.length && wrong.length === files.length) {
        message = "只能检查填写好的附件表格（" + suffixes.join("、") + "）：" + wrong.join("、") + " 不是。";
      }
      if (message) {
        chosen.className = "chosen bad";
        chosen.textContent = message;
      }
      return message;
    }

    input.addEventListener("change", problem);
    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (event) {
        event.preventDefault();
        drop.className = "drop over";
      });
    });
    ["dragleave", "dragend"].forEach(function (type) {
      drop.addEventListener(type, function () { drop.className = "drop"; });
    });
    drop.addEventListener("drop", function (event) {
      event.preventDefault();
      drop.className = "drop";
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      try {
        input.files = event.dataTransfer.files;
      } catch (e) {
        chosen.className = "chosen bad";
        chosen.textContent = "这个浏览器不支持拖放，请点击“选择文件”。";
        return;
      }
      problem();
    });
    /* Files dropped beside the box must not make the browser open them. */
    ["dragover", "drop"].forEach(function (type) {
      window.addEventListener(type, function (event) { event.preventDefault(); });
    });
    form.addEventListener("submit", function (event) {
      if (problem()) {
        event.preventDefault();
        return;
      }
      var button = document.getElementById("submit");
      if (button) {
        button.textContent = "正在检查…";
        setTimeout(function () { button.disabled = true; }, 0);
      }
    });
    /* Back to the page from the browser history: the button works again. */
    window.addEventListener("pageshow", function () {
      var button = document.getElementById("submit");
      if (button) { button.disabled = false; button.textContent = "第二步：开始检查"; }
    });
  });
})();
