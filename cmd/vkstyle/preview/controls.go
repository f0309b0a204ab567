package preview

// ActionKind is something the user asked for.
type ActionKind int

// The preview's actions; Help lists their keys.
const (
	Pause       ActionKind = iota // pause or resume
	Snapshot                      // save a numbered snapshot
	Quit                          // stop, save the final image when -out was given
	Restart                       // start again from the initial image
	Colours                       // toggle original colours
	StyleUp                       // style weight ×2
	StyleDown                     // style weight ÷2
	ContentUp                     // content weight ×2
	ContentDown                   // content weight ÷2
	ShowHelp                      // print the controls
	DropStyle                     // a file dropped: the new style
	DropContent                   // a file dropped with Shift: the new content
)

// Action is one user request; Path is the file of a drop.
type Action struct {
	Kind ActionKind
	Path string
}

// WeightStep is the factor one press of +, -, [ or ] changes a weight by.
const WeightStep = 2.0

// charAction maps a typed character to its action.
func charAction(r rune) (Action, bool) {
	k, ok := map[rune]ActionKind{
		' ': Pause, 's': Snapshot, 'S': Snapshot, 'q': Quit, 'Q': Quit,
		'r': Restart, 'R': Restart, 'o': Colours, 'O': Colours,
		'+': StyleUp, '=': StyleUp, '-': StyleDown, '_': StyleDown,
		']': ContentUp, '[': ContentDown, 'h': ShowHelp, 'H': ShowHelp, '?': ShowHelp,
	}[r]
	return Action{Kind: k}, ok
}

// Help lists the controls, for the terminal and README.
const Help = `vkstyle preview controls:
  space      pause / resume
  s          save a numbered snapshot (<out>_snapshot<N>.png, written atomically)
  o          original colours on / off (in the window and in what is saved)
  + / -      style weight ×2 / ÷2
  ] / [      content weight ×2 / ÷2
             (a weight change stops the run and starts a new one from the current
             image at the final size for the iterations left: the targets are
             recomputed from the same images, the optimiser's state is reset —
             L-BFGS history or Adam moments — so the loss may jump for a few
             iterations; while paused it applies when you resume)
  r          restart from the initial image
  drop file  the dropped image becomes the style (continue from the current image);
             with Shift held, the content (restart from the initial image)
  h or ?     this help
  q or Esc   quit, saving the final image when -out was given
With -adain: + / - change alpha by 0.1, a dropped file is the new style (the
new content with Shift), each shown as soon as it is computed. With -fast: a
dropped file is the new content.`

// TitleHelp is the short list of controls shown in the title bar after h.
const TitleHelp = "space pause · s save · o colours · +/- style · [/] content · r restart · q quit"
