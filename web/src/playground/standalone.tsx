document.body.textContent = "Playground (to do)";
