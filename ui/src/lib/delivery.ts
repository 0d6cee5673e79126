/** Delivery states in words, for the bubble's status line and its screen-reader label. */

import { t } from "./i18n/index.svelte";
import type { DeliveryState } from "./types";

export function deliveryText(state: DeliveryState): string {
  switch (state) {
    case "pending":
      return t("delivery.pending");
    case "sending":
      return t("delivery.sending");
    case "sent":
      return t("delivery.sent");
    case "delivered":
      return t("delivery.delivered");
    case "read":
      return t("delivery.read");
    case "failed":
      return t("delivery.failed");
    case "unconfirmed":
      return t("delivery.unconfirmed");
    case "received":
      return "";
  }
}

/** Reactions offered in the picker. */
export const REACTIONS = ["🙏", "❤️", "👍", "😊", "✨", "🔮"] as const;
