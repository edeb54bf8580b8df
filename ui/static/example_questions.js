/*
 * The empty chat's example questions: Gradio marks their container as a list of buttons, which is not a list
 * (screen readers announce it wrongly, and axe-core calls it critical). It is a group of buttons, named.
 */
() => {
  const name = () => {
    for (const box of document.querySelectorAll("#shopper-chat .examples[role=list]")) {
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "Example questions");
    }
  };
  name();
  new MutationObserver(name).observe(document.body, { subtree: true, childList: true });
}
