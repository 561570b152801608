//! Ctrl-C as a stream of interruptions, so the deploy logic can react to the first (clean up) and
//! the second (leave things as they are) the same way in the binary and in tests.

use tokio::sync::mpsc;

/// Interruptions the user asked for.
#[derive(Debug)]
pub struct Interrupts {
    receiver: mpsc::UnboundedReceiver<()>,
    /// Keeps the channel open when nobody else can send (see [`Interrupts::none`]).
    _keep_open: Option<mpsc::UnboundedSender<()>>,
}

impl Interrupts {
    /// Every Ctrl-C from now on. Installing the handler also stops Ctrl-C from killing the process,
    /// which is the point: we decide what happens. Must be called inside a Tokio runtime.
    pub fn ctrl_c() -> Self {
        let (sender, interrupts) = Self::channel();
        // On Unix the handler is in place when this returns (no window where Ctrl-C still kills us).
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            if let Ok(mut stream) = signal(SignalKind::interrupt()) {
                tokio::spawn(async move {
                    while stream.recv().await.is_some() {
                        if sender.send(()).is_err() {
                            break;
                        }
                    }
                });
                return interrupts;
            }
        }
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                if sender.send(()).is_err() {
                    break;
                }
            }
        });
        interrupts
    }

    /// Interruptions sent through the returned sender (tests).
    pub fn channel() -> (mpsc::UnboundedSender<()>, Self) {
        let (sender, receiver) = mpsc::unbounded_channel();
        (
            sender,
            Interrupts {
                receiver,
                _keep_open: None,
            },
        )
    }

    /// Never interrupted.
    pub fn none() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Interrupts {
            receiver,
            _keep_open: Some(sender),
        }
    }

    /// Wait for the next interruption; never returns once no one can send any more.
    pub async fn next(&mut self) {
        if self.receiver.recv().await.is_none() {
            std::future::pending::<()>().await;
        }
    }
}
