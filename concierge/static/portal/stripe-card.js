// The plan page's card form: the card never reaches this site. With a SetupIntent
// (Strong Customer Authentication) the form asks this site for one, Stripe.js confirms it
// with the card (showing the bank's 3-D Secure check when it asks) and the form posts the
// SetupIntent's id; otherwise Stripe.js turns the card into a PaymentMethod id and the form
// posts that.
(function () {
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  var paymentMethod = document.getElementById("card-payment-method");
  var setupIntent = document.getElementById("card-setup-intent");

  function fail(message) {
    errors.textContent = message;
  }

  function withSetupIntent() {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(form.dataset.setupIntentUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || response.statusText);
          return body;
        });
      })
      .then(function (body) {
        return stripe.confirmCardSetup(body.client_secret, { payment_method: { card: card } });
      })
      .then(function (result) {
        if (result.error) return fail(result.error.message);
        setupIntent.value = result.setupIntent.id;
        form.submit();
      })
      .catch(function (error) {
        fail(error.message);
      });
  }

  form.addEventListener("submit", function (event) {
    if (paymentMethod.value || (setupIntent && setupIntent.value)) return;
    event.preventDefault();
    if (setupIntent && form.dataset.setupIntentUrl) return withSetupIntent();
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      if (result.error) return fail(result.error.message);
      paymentMethod.value = result.paymentMethod.id;
      form.submit();
    });
  });
})();
