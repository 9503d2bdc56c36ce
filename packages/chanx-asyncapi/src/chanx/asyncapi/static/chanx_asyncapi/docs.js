// Renders the AsyncAPI document embedded in the page by AsyncAPIDocsView.
// A static file rather than an inline script so the page works under a strict CSP.
(function () {
  "use strict";
  var data = document.getElementById("asyncapi-schema");
  var root = document.getElementById("asyncapi");
  if (!data || !root || typeof AsyncApiStandalone === "undefined") {
    if (root) {
      root.textContent = "The AsyncAPI UI could not be loaded.";
    }
    return;
  }
  AsyncApiStandalone.render(
    { schema: JSON.parse(data.textContent), config: { show: { sidebar: true } } },
    root
  );
})();
