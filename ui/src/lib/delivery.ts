/** Delivery states in words, for the bubble's status line and its screen-reader label. */

import type { DeliveryState } from "./types";

export function deliveryText(state: DeliveryState): string {
  switch (state) {
    case "pending":
      return "Waiting to send";
    case "sending":
      return "Sending…";
    case "sent":
      return "Sent";
    case "delivered":
      return "Delivered";
    case "read":
      return "Read";
    case "failed":
      return "Not sent";
    case "received":
      return "";
  }
}

/** Reactions offered in the picker. */
export const REACTIONS = ["🙏", "❤️", "👍", "😊", "✨", "🔮"] as const;
