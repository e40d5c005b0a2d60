"""diarize: who spoke when, speakers linked across chunks, named against members, words
attributed.
"""
