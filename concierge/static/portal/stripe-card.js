// The plan page's card form: Stripe.js turns the card into a PaymentMethod id in the
// browser (the card never reaches this site), and the form posts that id.
(function () {
  var form = document.getElementById("card-form");
  if (!form || typeof Stripe === "undefined") return;
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create("card");
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  form.addEventListener("submit", function (event) {
    if (document.getElementById("card-payment-method").value) return;
    event.preventDefault();
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      if (result.error) {
        errors.textContent = result.error.message;
        return;
      }
      document.getElementById("card-payment-method").value = result.paymentMethod.id;
      form.submit();
    });
  });
})();
