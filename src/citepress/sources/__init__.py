"""The sources: manuscripts, bibliographies, images and CSL styles, read and located."""
