"""The card in the phone's wallet: Apple Wallet passes and their web service, Google Wallet objects."""
